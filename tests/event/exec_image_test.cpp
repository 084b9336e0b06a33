// The canonical program image (semantics.md, "Fields"): lexical path
// normalization, `#!` recognition from an exec's records, and the /proc
// counterpart for processes never seen exec'ing.
#include "event/exec_image.h"

#include <gtest/gtest.h>

namespace imds {
namespace {

using Args = std::vector<std::string>;
const std::optional<std::string> kNone;

TEST(NormalizePathTest, ResolvesDotsAndSlashesWithoutTheFileSystem) {
  EXPECT_EQ(NormalizePath("/snap/oracle-cloud-agent/../../usr/bin/curl", ""), "/usr/bin/curl");
  EXPECT_EQ(NormalizePath("//usr/./bin//curl/", "/x"), "/usr/bin/curl");
  EXPECT_EQ(NormalizePath("/../../etc", ""), "/etc");  // the root's parent is the root
  EXPECT_EQ(NormalizePath("/", ""), "/");
}

TEST(NormalizePathTest, MakesARelativePathAbsoluteAgainstTheWorkingDirectory) {
  EXPECT_EQ(NormalizePath("./x", "/dev/shm"), "/dev/shm/x");
  EXPECT_EQ(NormalizePath("../bin/tool", "/srv/app/"), "/srv/bin/tool");
  EXPECT_EQ(NormalizePath("x", "/"), "/x");
}

TEST(NormalizePathTest, WithoutAnAbsoluteWorkingDirectoryARelativePathStaysRelative) {
  EXPECT_EQ(NormalizePath("./bin/../x", ""), "x");
  EXPECT_EQ(NormalizePath("../../x", "relative"), "../../x");
  EXPECT_EQ(NormalizePath(".", ""), ".");
}

TEST(ImageFromExecRecordsTest, ABinaryIsItsExeAndALinkIsNotASecondValue) {
  const ExecImage image =
      ImageFromExecRecords("/usr/bin/python3.11", std::string("/usr/bin/python3"),
                           std::string("/lib64/ld-linux-x86-64.so.2"), Args{"python3", "-c", "x"}, std::string("/"));
  EXPECT_EQ(image.executable, "/usr/bin/python3.11");
  EXPECT_FALSE(image.relative_spelling.has_value());
  EXPECT_FALSE(image.interpreter.has_value());
}

TEST(ImageFromExecRecordsTest, ARelativeInvocationKeepsItsSpelling) {
  const ExecImage image = ImageFromExecRecords("/dev/shm/x", std::string("./x"), kNone, Args{"./x"},
                                               std::string("/dev/shm"));
  EXPECT_EQ(image.executable, "/dev/shm/x");
  EXPECT_EQ(image.relative_spelling, std::optional<std::string>("./x"));
}

TEST(ImageFromExecRecordsTest, AScriptIsItsOwnPathAndItsExeTheInterpreter) {
  const ExecImage image = ImageFromExecRecords("/usr/bin/bash", std::string("/usr/sbin/dhclient-script"),
                                               std::string("/bin/bash"),
                                               Args{"/bin/bash", "/usr/sbin/dhclient-script", "BOUND"}, std::string("/"));
  EXPECT_EQ(image.executable, "/usr/sbin/dhclient-script");
  EXPECT_EQ(image.interpreter, std::optional<std::string>("/usr/bin/bash"));
  EXPECT_FALSE(image.relative_spelling.has_value());
}

TEST(ImageFromExecRecordsTest, AScriptWithAShebangArgumentIsFoundAfterIt) {
  const ExecImage image = ImageFromExecRecords("/usr/bin/python3.11", std::string("/usr/bin/aws"),
                                               std::string("/usr/bin/python3"),
                                               Args{"/usr/bin/python3", "-s", "/usr/bin/aws", "sts"}, std::string("/"));
  EXPECT_EQ(image.executable, "/usr/bin/aws");
  EXPECT_EQ(image.interpreter, std::optional<std::string>("/usr/bin/python3.11"));
}

TEST(ImageFromExecRecordsTest, ArgumentsThatDoNotNameTheInterpreterAreNoScript) {
  // `bash ./x.sh`: bash is the program; its item 1 is the ELF loader.
  const ExecImage image = ImageFromExecRecords("/usr/bin/bash", std::string("/usr/bin/bash"),
                                               std::string("/lib64/ld-linux-x86-64.so.2"), Args{"bash", "./x.sh"},
                                               std::string("/tmp"));
  EXPECT_EQ(image.executable, "/usr/bin/bash");
  EXPECT_FALSE(image.interpreter.has_value());
}

TEST(ImageFromExecRecordsTest, WithoutExeThePathHandedToExecveStands) {
  const ExecImage image = ImageFromExecRecords("", std::string("bin/../tool"), kNone, Args{}, std::string("/opt"));
  EXPECT_EQ(image.executable, "/opt/tool");
  EXPECT_EQ(image.relative_spelling, std::optional<std::string>("bin/../tool"));
}

TEST(ScriptCandidateFromProcTest, CommNamesTheScriptAfterTheInterpreter) {
  EXPECT_EQ(ScriptCandidateFromProc("/usr/bin/dash", Args{"/bin/sh", "/usr/sbin/dhclient-script", "RENEW"},
                                    "dhclient-script", "/"),
            std::optional<std::string>("/usr/sbin/dhclient-script"));
  // comm is cut to 15 bytes.
  EXPECT_EQ(ScriptCandidateFromProc("/usr/bin/bash", Args{"bash", "./eic_curl_authorized_keys"}, "eic_curl_author",
                                    "/usr/share/ec2-instance-connect"),
            std::optional<std::string>("/usr/share/ec2-instance-connect/eic_curl_authorized_keys"));
}

TEST(ScriptCandidateFromProcTest, AProcessNamedAfterItsOwnBinaryIsNoScript) {
  EXPECT_FALSE(ScriptCandidateFromProc("/usr/bin/bash", Args{"bash", "/tmp/bash"}, "bash", "/").has_value());
  EXPECT_FALSE(ScriptCandidateFromProc("/usr/bin/python3.11", Args{"python3", "-m", "http.server"}, "python3", "/")
                   .has_value());
  EXPECT_FALSE(ScriptCandidateFromProc("/usr/bin/bash", Args{"bash"}, "other", "/").has_value());
}

}  // namespace
}  // namespace imds

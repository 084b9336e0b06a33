#include "config/file_trust.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <string>
#include <variant>

#include <gtest/gtest.h>

namespace imds {
namespace {

class FileTrustTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/imds-trust-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    file_ = dir_ + "/rule.toml";
    std::ofstream(file_) << "x";
  }
  void TearDown() override {
    unlink(file_.c_str());
    rmdir(dir_.c_str());
  }
  std::string dir_, file_;
};

TEST_F(FileTrustTest, OwnFileWithoutGroupOrOtherWriteIsTrusted) {
  chmod(file_.c_str(), 0640);
  EXPECT_EQ(CheckTrustedPath(file_, geteuid()), std::nullopt);
}

TEST_F(FileTrustTest, WorldWritableFileIsRefusedWithTheFix) {
  chmod(file_.c_str(), 0666);
  auto error = CheckTrustedPath(file_, geteuid());
  ASSERT_TRUE(error.has_value());
  EXPECT_NE(error->find(file_ + ": writable by every user"), std::string::npos) << *error;
  EXPECT_NE(error->find("chmod o-w"), std::string::npos);
}

TEST_F(FileTrustTest, GroupWritableFileIsRefusedUnlessTheGroupIsRoot) {
  chmod(file_.c_str(), 0660);
  struct stat st;
  ASSERT_EQ(stat(file_.c_str(), &st), 0);
  if (st.st_gid == 0) {
    EXPECT_EQ(CheckTrustedPath(file_, geteuid()), std::nullopt);
    if (geteuid() == 0) {
      ASSERT_EQ(chown(file_.c_str(), 0, 4242), 0);
      auto error = CheckTrustedPath(file_, geteuid());
      ASSERT_TRUE(error.has_value());
      EXPECT_NE(error->find("writable by group 4242"), std::string::npos) << *error;
    }
  } else {
    EXPECT_TRUE(CheckTrustedPath(file_, geteuid()).has_value());
  }
}

TEST_F(FileTrustTest, FileOfAnotherUserIsRefused) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to give the file away";
  ASSERT_EQ(chown(file_.c_str(), 4242, 0), 0);
  auto error = CheckTrustedPath(file_, 0);
  ASSERT_TRUE(error.has_value());
  EXPECT_NE(error->find("owned by uid 4242"), std::string::npos);
}

TEST_F(FileTrustTest, MissingPathIsLeftToTheLoader) {
  EXPECT_EQ(CheckTrustedPath(dir_ + "/absent.toml", geteuid()), std::nullopt);
}

// A root-owned 0640 file is no safer than its directory: whoever may write
// the directory may rename another file into its place.
TEST_F(FileTrustTest, FileInAWorldWritableDirectoryIsRefusedWithTheFix) {
  chmod(file_.c_str(), 0640);
  ASSERT_EQ(chmod(dir_.c_str(), 0777), 0);
  auto error = CheckTrustedPath(file_, geteuid());
  ASSERT_TRUE(error.has_value());
  EXPECT_NE(error->find("the directory " + dir_ + " is writable by every user"), std::string::npos) << *error;
  EXPECT_NE(error->find("chmod o-w " + dir_), std::string::npos) << *error;
  chmod(dir_.c_str(), 0700);
}

TEST_F(FileTrustTest, StickyWorldWritableDirectoryLikeTmpIsAccepted) {
  chmod(file_.c_str(), 0640);
  ASSERT_EQ(chmod(dir_.c_str(), 01777), 0);
  EXPECT_EQ(CheckTrustedPath(file_, geteuid()), std::nullopt);
  chmod(dir_.c_str(), 0700);
}

TEST_F(FileTrustTest, SymlinkIsJudgedByTheDirectoriesOfItsTargetToo) {
  // The link sits in a safe directory; its target in a world-writable one.
  const std::string open_dir = dir_ + "/open";
  ASSERT_EQ(mkdir(open_dir.c_str(), 0777), 0);
  ASSERT_EQ(chmod(open_dir.c_str(), 0777), 0);
  const std::string target = open_dir + "/real.toml";
  std::ofstream(target) << "x";
  chmod(target.c_str(), 0640);
  const std::string link = dir_ + "/link.toml";
  ASSERT_EQ(symlink(target.c_str(), link.c_str()), 0);
  auto error = CheckTrustedPath(link, geteuid());
  ASSERT_TRUE(error.has_value());
  EXPECT_NE(error->find("the directory " + open_dir + " is writable by every user"), std::string::npos) << *error;
  unlink(link.c_str());
  unlink(target.c_str());
  rmdir(open_dir.c_str());
}

TEST_F(FileTrustTest, ReadTrustedFileReturnsTheContentsOfATrustedFile) {
  std::ofstream(file_) << "[rules]\n";
  chmod(file_.c_str(), 0640);
  auto read = ReadTrustedFile(file_, geteuid(), 1024);
  ASSERT_TRUE(std::holds_alternative<std::string>(read)) << std::get<UntrustedFile>(read).message;
  EXPECT_EQ(std::get<std::string>(read), "[rules]\n");
}

TEST_F(FileTrustTest, ReadTrustedFileJudgesTheOpenedFile) {
  chmod(file_.c_str(), 0666);
  auto read = ReadTrustedFile(file_, geteuid(), 1024);
  ASSERT_TRUE(std::holds_alternative<UntrustedFile>(read));
  EXPECT_EQ(std::get<UntrustedFile>(read).open_error, 0);
  EXPECT_NE(std::get<UntrustedFile>(read).message.find("writable by every user"), std::string::npos);
}

TEST_F(FileTrustTest, ReadTrustedFileRefusesDirectoriesAndOversizedFiles) {
  auto dir = ReadTrustedFile(dir_, geteuid(), 1024);
  ASSERT_TRUE(std::holds_alternative<UntrustedFile>(dir));
  EXPECT_NE(std::get<UntrustedFile>(dir).message.find("not a regular file"), std::string::npos);
  std::ofstream(file_) << std::string(2048, 'x');
  chmod(file_.c_str(), 0640);
  auto big = ReadTrustedFile(file_, geteuid(), 1024);
  ASSERT_TRUE(std::holds_alternative<UntrustedFile>(big));
  EXPECT_NE(std::get<UntrustedFile>(big).message.find("larger than 1024 bytes"), std::string::npos);
}

TEST_F(FileTrustTest, ReadTrustedFileGivesTheErrnoOfAMissingFile) {
  auto read = ReadTrustedFile(dir_ + "/absent.toml", geteuid(), 1024);
  ASSERT_TRUE(std::holds_alternative<UntrustedFile>(read));
  EXPECT_EQ(std::get<UntrustedFile>(read).open_error, ENOENT);
}

}  // namespace
}  // namespace imds

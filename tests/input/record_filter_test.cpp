#include "input/record_filter.h"

#include <gtest/gtest.h>

namespace imds {
namespace {

std::string Syscall(const std::string& stamp, const std::string& arch, int number, const std::string& node = "") {
  return (node.empty() ? "" : "node=" + node + " ") + "type=SYSCALL msg=audit(" + stamp + "): arch=" + arch +
         " syscall=" + std::to_string(number) + " success=yes exit=0 ppid=1 pid=2 comm=\"x\" exe=\"/x\"";
}

std::string Record(const std::string& type, const std::string& stamp, const std::string& node = "") {
  return (node.empty() ? "" : "node=" + node + " ") + "type=" + type + " msg=audit(" + stamp + "): x=1";
}

constexpr const char* kX8664 = "c000003e";
constexpr const char* kI386 = "40000003";
constexpr const char* kAarch64 = "c00000b7";

TEST(RecordFilterTest, UninterestingSyscallEventIsDroppedWithAllItsRecords) {
  RecordFilter f;
  EXPECT_FALSE(f.Keep(Syscall("1.000:1", kX8664, 257)));  // openat
  EXPECT_FALSE(f.Keep(Record("CWD", "1.000:1")));
  EXPECT_FALSE(f.Keep(Record("PATH", "1.000:1")));
  EXPECT_FALSE(f.Keep(Record("PROCTITLE", "1.000:1")));
  EXPECT_FALSE(f.Keep(Record("EOE", "1.000:1")));
  EXPECT_EQ(f.dropped(), 5u);
}

TEST(RecordFilterTest, ExecAndConnectEventsKeepEveryRecordTheBuilderReads) {
  RecordFilter f;
  EXPECT_TRUE(f.Keep(Syscall("1.000:2", kX8664, 59)));  // execve
  for (const char* type : {"EXECVE", "CWD", "PATH", "PROCTITLE", "EOE"}) EXPECT_TRUE(f.Keep(Record(type, "1.000:2")));
  EXPECT_TRUE(f.Keep(Syscall("1.000:3", kX8664, 42)));  // connect
  EXPECT_TRUE(f.Keep(Record("SOCKADDR", "1.000:3")));
  EXPECT_TRUE(f.Keep(Syscall("1.000:4", kX8664, 322)));  // execveat
}

TEST(RecordFilterTest, SyscallsAreNamedPerArchitecture) {
  RecordFilter f;
  EXPECT_TRUE(f.Keep(Syscall("1.000:5", kI386, 11)));     // i386 execve
  EXPECT_TRUE(f.Keep(Syscall("1.000:6", kI386, 102)));    // i386 socketcall
  EXPECT_TRUE(f.Keep(Syscall("1.000:7", kI386, 362)));    // i386 connect
  EXPECT_TRUE(f.Keep(Syscall("1.000:8", kAarch64, 221)));  // aarch64 execve
  EXPECT_TRUE(f.Keep(Syscall("1.000:9", kAarch64, 203)));  // aarch64 connect
  EXPECT_FALSE(f.Keep(Syscall("1.000:10", kAarch64, 59)));  // x86_64's execve number is pipe2 there
}

TEST(RecordFilterTest, RecordTypesTheBuilderNeverReadsAreDropped) {
  RecordFilter f;
  for (const char* type : {"USER_LOGIN", "CRED_ACQ", "AVC", "BPRM_FCAPS", "CONFIG_CHANGE", "DAEMON_START"}) {
    EXPECT_FALSE(f.Keep(Record(type, "1.000:11"))) << type;
  }
}

TEST(RecordFilterTest, RecordsOfAnEventWhoseSyscallIsNotSeenYetAreKept) {
  RecordFilter f;
  EXPECT_TRUE(f.Keep(Record("PATH", "1.000:12")));  // arrives first (reordered input)
  EXPECT_TRUE(f.Keep(Record("CWD", "1.000:12")));
}

TEST(RecordFilterTest, UnparseableSyscallRecordIsKept) {
  RecordFilter f;
  EXPECT_TRUE(f.Keep("type=SYSCALL msg=audit(1.000:13): arch=zz syscall=59"));
  EXPECT_TRUE(f.Keep("type=SYSCALL msg=audit(1.000:14): success=yes"));
}

TEST(RecordFilterTest, DroppingOneNodesEventNeverDropsAnotherNodesEventWithTheSameSerial) {
  RecordFilter f;
  EXPECT_FALSE(f.Keep(Syscall("1.000:15", kX8664, 257, "host-a")));
  EXPECT_TRUE(f.Keep(Syscall("1.000:15", kX8664, 59, "host-b")));
  EXPECT_FALSE(f.Keep(Record("EXECVE", "1.000:15", "host-a")));
  EXPECT_TRUE(f.Keep(Record("EXECVE", "1.000:15", "host-b")));
}

TEST(RecordFilterTest, ProcessControlledTextCannotChangeTheDecision) {
  // comm= and exe= come after the kernel's own arch= and syscall=.
  RecordFilter f;
  EXPECT_TRUE(f.Keep("type=SYSCALL msg=audit(1.000:16): arch=c000003e syscall=59 success=yes "
                     "comm=\"a arch=c000003e syscall=257\" exe=\"/x\""));
  EXPECT_FALSE(f.Keep("type=SYSCALL msg=audit(1.000:17): arch=c000003e syscall=257 success=yes "
                      "comm=\"a arch=c000003e syscall=59\" exe=\"/x\""));
}

TEST(RecordFilterTest, PathItemsZeroAndOneAreKeptAndLaterOnesDropped) {
  // The builder reads item 0 (the path handed to execve) and item 1 (a
  // script's interpreter, or the ELF loader) to tell a #! script apart.
  RecordFilter f;
  EXPECT_TRUE(f.Keep(Syscall("1.000:18", kX8664, 59)));
  const std::string id = "msg=audit(1.000:18): ";
  EXPECT_TRUE(f.Keep("type=PATH " + id + "item=0 name=\"/tmp/s.sh\" inode=1 nametype=NORMAL"));
  EXPECT_TRUE(f.Keep("type=PATH " + id + "item=1 name=\"/bin/bash\" nametype=NORMAL"));
  EXPECT_FALSE(f.Keep("type=PATH " + id + "item=2 name=\"/lib64/ld-linux-x86-64.so.2\" nametype=NORMAL"));
  EXPECT_FALSE(f.Keep("type=PATH " + id + "item=12 name=\"x\""));
  EXPECT_FALSE(f.Keep("node=web-1 type=PATH " + id + "item=2 name=\"x\""));
  // EOE releases the event: never dropped with the PATH records.
  EXPECT_TRUE(f.Keep(Record("EOE", "1.000:18")));
  EXPECT_EQ(f.dropped(), 3u);
}

TEST(RecordFilterTest, PathRecordsNotKnownToBeLaterItemsAreKept) {
  RecordFilter f;
  const std::string id = "msg=audit(1.000:19): ";
  EXPECT_TRUE(f.Keep("type=PATH " + id + "name=\"x\" item=1"));  // item= not first: not the kernel's layout
  EXPECT_TRUE(f.Keep("type=PATH " + id + "item=0 name=\"item=1\""));
  EXPECT_TRUE(f.Keep("type=PATH " + id + "item=1x name=\"x\""));
  EXPECT_TRUE(f.Keep("type=PATH " + id + "item= name=\"x\""));
}

TEST(WithoutEnrichmentTest, CutsTheEnrichedSuffixAtTheFirstGroupSeparator) {
  const std::string raw = "type=SYSCALL msg=audit(1.000:20): arch=c000003e syscall=59 exe=\"/usr/bin/curl\" key=(null)";
  EXPECT_EQ(WithoutEnrichment(raw + "\x1d" "ARCH=x86_64 SYSCALL=execve AUID=\"root\" UID=\"root\""), raw);
  EXPECT_EQ(WithoutEnrichment("node=web-1 " + raw + "\x1d" "ARCH=x86_64\x1d" "X=1"), "node=web-1 " + raw);
  EXPECT_EQ(WithoutEnrichment(raw + "\x1d"), raw);
}

TEST(WithoutEnrichmentTest, ARawRecordComesBackWhole) {
  const std::string raw = "type=SOCKADDR msg=audit(1.000:21): saddr=02000050A9FEA9FE0000000000000000";
  EXPECT_EQ(WithoutEnrichment(raw), raw);
  EXPECT_EQ(WithoutEnrichment(""), "");
}

}  // namespace
}  // namespace imds

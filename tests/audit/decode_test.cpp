// Decoders of audit field values, tested on values taken verbatim from real
// records of the public corpus (file named next to each; see
// tests/audit/data/PROVENANCE.md) and on hand-written edge cases.
#include "audit/decode.h"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <string>
#include <utility>
#include <vector>

namespace imds {
namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;

std::vector<std::string> Assemble(const Fields& fields) {
  ExecveArgsAssembler assembler;
  for (const auto& [name, value] : fields) assembler.AddField(name, value);
  return assembler.TakeArgs();
}

// --- strings ---------------------------------------------------------------

TEST(DecodeAuditStringTest, QuotedValueIsTheTextBetweenQuotes) {
  EXPECT_EQ(DecodeAuditString("\"/usr/bin/grep\""), "/usr/bin/grep");
  EXPECT_EQ(DecodeAuditString("\"\""), "");
}

TEST(DecodeAuditStringTest, UnquotedEvenHexIsDecoded) {
  // go-libaudit testdata/normal.log: exe= of a python whose binary was replaced.
  EXPECT_EQ(DecodeAuditString("2F7573722F62696E2F707974686F6E322E373B3538643163636662202864656C6574656429"),
            "/usr/bin/python2.7;58d1ccfb (deleted)");
  EXPECT_EQ(DecodeAuditString("2f746d70"), "/tmp");  // lower case is accepted too
}

TEST(DecodeAuditStringTest, NullMeansAbsent) { EXPECT_FALSE(DecodeAuditString("(null)").has_value()); }

TEST(DecodeAuditStringTest, TruncatedQuoteKeepsTheRest) {
  EXPECT_EQ(DecodeAuditString("\"/usr/bi"), "/usr/bi");
}

TEST(DecodeAuditStringTest, OddLengthOrNonHexIsKeptAsGiven) {
  EXPECT_EQ(DecodeAuditString("ABC"), "ABC");
  EXPECT_EQ(DecodeAuditString("pts1"), "pts1");
}

TEST(DecodeAuditStringTest, HexMayCarryNulAndControlBytes) {
  EXPECT_EQ(DecodeAuditString("61000A62"), std::string("a\0\nb", 4));
}

TEST(HexDecodeTest, RejectsOddLengthAndNonHex) {
  EXPECT_FALSE(HexDecode("").has_value());
  EXPECT_FALSE(HexDecode("414").has_value());
  EXPECT_FALSE(HexDecode("4G").has_value());
  EXPECT_EQ(HexDecode("4142"), "AB");
}

// --- EXECVE ----------------------------------------------------------------

TEST(ExecveArgsTest, QuotedArgumentsInOrder) {
  // go-libaudit testdata/normal.log, audit(1492037291.036:59).
  EXPECT_EQ(Assemble({{"argc", "3"}, {"a0", "\"grep\""}, {"a1", "\"--color=auto\""}, {"a2", "\"mapping\""}}),
            (std::vector<std::string>{"grep", "--color=auto", "mapping"}));
}

TEST(ExecveArgsTest, HexArgumentIsDecoded) {
  // laurel record-perl-reverse-shell.txt (a2 shortened to its first bytes).
  EXPECT_EQ(Assemble({{"argc", "3"}, {"a0", "\"perl\""}, {"a1", "\"-e\""},
                      {"a2", "75736520536F636B65743B24693D2231302E302E302E31223B"}}),
            (std::vector<std::string>{"perl", "-e", "use Socket;$i=\"10.0.0.1\";"}));
}

TEST(ExecveArgsTest, SplitArgumentChunksAreJoinedAcrossRecords) {
  // Shape of laurel record-execve-long.txt: a1_len=16384 then a1[0..2],
  // each chunk in its own EXECVE record and hex-encoded on its own.
  Fields fields = {{"argc", "2"}, {"a0", "\"/bin/echo\""}, {"a1_len", "9"},
                   {"a1[0]", "626161"},       // "baa"
                   {"a1[1]", "\"daa\""},      // a chunk may be quoted
                   {"a1[2]", "666161"}};      // "faa"
  EXPECT_EQ(Assemble(fields), (std::vector<std::string>{"/bin/echo", "baadaafaa"}));
}

TEST(ExecveArgsTest, ArgumentAfterSplitArgumentStartsANewOne) {
  EXPECT_EQ(Assemble({{"argc", "3"}, {"a0", "\"x\""}, {"a1_len", "4"}, {"a1[0]", "\"ab\""},
                      {"a1[1]", "\"cd\""}, {"a2", "\"z\""}}),
            (std::vector<std::string>{"x", "abcd", "z"}));
}

TEST(ExecveArgsTest, SplitArgumentWithoutLenFieldStillAssembles) {
  EXPECT_EQ(Assemble({{"argc", "2"}, {"a0", "\"x\""}, {"a1[0]", "\"ab\""}, {"a1[1]", "\"cd\""}}),
            (std::vector<std::string>{"x", "abcd"}));
}

TEST(ExecveArgsTest, OutOfSequenceFieldsAreIgnored) {
  // A lost record or garbage: a5 before a1, chunk 2 before chunk 1.
  EXPECT_EQ(Assemble({{"argc", "9"}, {"a0", "\"x\""}, {"a5", "\"y\""}, {"a1_len", "4"},
                      {"a1[0]", "\"ab\""}, {"a1[2]", "\"zz\""}}),
            (std::vector<std::string>{"x", "ab"}));
}

TEST(ExecveArgsTest, ArgumentsBeyondArgcAreIgnored) {
  EXPECT_EQ(Assemble({{"argc", "1"}, {"a0", "\"x\""}, {"a1", "\"y\""}}), (std::vector<std::string>{"x"}));
}

TEST(ExecveArgsTest, ArgcZeroGivesNoArguments) {
  // laurel line-execve.txt: argc=0 (execve with an empty argv).
  ExecveArgsAssembler assembler;
  assembler.AddField("argc", "0");
  EXPECT_TRUE(assembler.saw_execve());
  EXPECT_TRUE(assembler.TakeArgs().empty());
}

TEST(ExecveArgsTest, EmptyQuotedArgumentIsKept) {
  // laurel fork-sleep-exec.txt: argc=1 a0="".
  EXPECT_EQ(Assemble({{"argc", "1"}, {"a0", "\"\""}}), (std::vector<std::string>{""}));
}

TEST(ExecveArgsTest, HugeIndexDoesNotAllocate) {
  EXPECT_EQ(Assemble({{"a999999999", "\"x\""}, {"a0", "\"y\""}, {"a1_len", "99999999999999"}}),
            (std::vector<std::string>{"y", ""}));
}

TEST(ExecveArgsTest, MegabyteArgumentIsAssembled) {
  ExecveArgsAssembler assembler;
  assembler.AddField("argc", "2");
  assembler.AddField("a0", "\"x\"");
  assembler.AddField("a1_len", "1048576");
  const std::string chunk_hex(7500, '4');  // 3750 bytes of 'D' per chunk
  size_t expected = 0;
  for (int k = 0; expected < (1u << 20); ++k) {
    assembler.AddField("a1[" + std::to_string(k) + "]", chunk_hex);
    expected += chunk_hex.size() / 2;
  }
  const auto args = assembler.TakeArgs();
  ASSERT_EQ(args.size(), 2u);
  EXPECT_EQ(args[1].size(), expected);
  EXPECT_EQ(args[1].find_first_not_of('D'), std::string::npos);
}

// --- PROCTITLE -------------------------------------------------------------

TEST(ProctitleTest, HexIsSplitOnNul) {
  // laurel record-bind-ipv4-bigendian.txt: "nc -l -p 55555".
  EXPECT_EQ(DecodeProctitle("6E63002D6C002D70003535353535"),
            (std::vector<std::string>{"nc", "-l", "-p", "55555"}));
}

TEST(ProctitleTest, QuotedSingleWord) {
  // laurel record-execve.txt: proctitle="whoami".
  EXPECT_EQ(DecodeProctitle("\"whoami\""), (std::vector<std::string>{"whoami"}));
}

TEST(ProctitleTest, TrailingNulAddsNoEmptyArgumentButInnerEmptyOnesStay) {
  EXPECT_EQ(DecodeProctitle("610000620000"), (std::vector<std::string>{"a", "", "b"}));
}

TEST(ProctitleTest, NullAndEmptyGiveNoArguments) {
  EXPECT_TRUE(DecodeProctitle("(null)").empty());
  EXPECT_TRUE(DecodeProctitle("").empty());
}

TEST(JoinArgsTest, SingleSpaces) {
  EXPECT_EQ(JoinArgs({"curl", "-s", "http://169.254.169.254/"}), "curl -s http://169.254.169.254/");
  EXPECT_EQ(JoinArgs({}), "");
}

// --- SOCKADDR --------------------------------------------------------------

TEST(SockaddrTest, Ipv4ImdsFromRealGceRecord) {
  // go-libaudit testdata/normal.log: google_accounts connect()s to IMDS.
  auto a = DecodeSockaddr("02000050A9FEA9FE0000000000000000");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->family, AF_INET);
  EXPECT_EQ(a->ip, "169.254.169.254");
  EXPECT_EQ(a->port, 80);
}

TEST(SockaddrTest, Ipv4LoopbackPortIsBigEndian) {
  // laurel record-connect.txt: php to 127.0.0.1:11211.
  auto a = DecodeSockaddr("02002BCB7F0000010000000000000000");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->ip, "127.0.0.1");
  EXPECT_EQ(a->port, 11211);
}

TEST(SockaddrTest, Ipv4WithoutPaddingIsEnough) {
  auto a = DecodeSockaddr("02000050A9FEA9FE");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->ip, "169.254.169.254");
}

TEST(SockaddrTest, Ipv6IsRfc5952Text) {
  // laurel record-connect.txt: php to [::1]:11211.
  auto a = DecodeSockaddr("0A002BCB000000000000000000000000000000000000000100000000");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->family, AF_INET6);
  EXPECT_EQ(a->ip, "::1");
  EXPECT_EQ(a->port, 11211);
  // The AWS IPv6 IMDS address, lower case and compressed.
  auto imds6 = DecodeSockaddr("0A000050" "00000000" "FD000EC2000000000000000000000254" "00000000");
  ASSERT_TRUE(imds6.has_value());
  EXPECT_EQ(imds6->ip, "fd00:ec2::254");
  EXPECT_EQ(imds6->port, 80);
}

TEST(SockaddrTest, Ipv4MappedIpv6IsGivenAsDottedQuad) {
  // open-xp-rules syscall_sockets raw_6.txt and raw_9.txt.
  auto a = DecodeSockaddr("0A00A6780000000000000000000000000000FFFF0A7EFF0300000000");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->family, AF_INET6);
  EXPECT_EQ(a->ip, "10.126.255.3");
  EXPECT_EQ(a->port, 42616);
  auto b = DecodeSockaddr("0A0000BE0000000000000000000000000000FFFF000AE0DF00000000");
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->ip, "0.10.224.223");
  EXPECT_EQ(b->port, 190);
  auto imds = DecodeSockaddr("0A000050" "00000000" "00000000000000000000FFFFA9FEA9FE" "00000000");
  ASSERT_TRUE(imds.has_value());
  EXPECT_EQ(imds->ip, "169.254.169.254");
}

TEST(SockaddrTest, BigEndianFamilyNeedsTheArchByteOrder) {
  // laurel record-bind-ipv4-bigendian.txt (ppc64, arch=80000015): 0.0.0.0:55555.
  const char* saddr = "0002D903000000000000000000000000";
  EXPECT_FALSE(DecodeSockaddr(saddr).has_value());
  auto a = DecodeSockaddr(saddr, IsBigEndianAuditArch(0x80000015));
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->ip, "0.0.0.0");
  EXPECT_EQ(a->port, 55555);
}

TEST(SockaddrTest, UnixNetlinkUnspecAndUnknownFamiliesAreNotNetwork) {
  // go-libaudit audit-rhel7.log: AF_UNIX (nscd), AF_NETLINK, AF_UNSPEC.
  EXPECT_FALSE(DecodeSockaddr("01002F7661722F72756E2F6E7363642F736F636B657400").has_value());
  EXPECT_FALSE(DecodeSockaddr("100000000000000000000000").has_value());
  EXPECT_FALSE(DecodeSockaddr("00000000000000000000000000000000").has_value());
  EXPECT_FALSE(DecodeSockaddr("2A00").has_value());
}

TEST(SockaddrTest, TruncatedOrGarbageIsRejected) {
  EXPECT_FALSE(DecodeSockaddr("020000").has_value());         // AF_INET, 3 bytes
  EXPECT_FALSE(DecodeSockaddr("0A0000500000").has_value());   // AF_INET6, 6 bytes
  EXPECT_FALSE(DecodeSockaddr("02000050A9FEA9F").has_value());  // odd length
  EXPECT_FALSE(DecodeSockaddr("zz000050A9FEA9FE").has_value());
  EXPECT_FALSE(DecodeSockaddr("").has_value());
  EXPECT_FALSE(DecodeSockaddr("02").has_value());
}

TEST(AuditArchTest, LittleEndianBitDecidesByteOrder) {
  EXPECT_FALSE(IsBigEndianAuditArch(0xc000003e));  // x86_64
  EXPECT_FALSE(IsBigEndianAuditArch(0x40000003));  // i386
  EXPECT_FALSE(IsBigEndianAuditArch(0xc00000b7));  // aarch64
  EXPECT_TRUE(IsBigEndianAuditArch(0x80000016));   // s390x
}

// --- numbers and results ---------------------------------------------------

TEST(ParseTest, DecimalAndHex) {
  EXPECT_EQ(ParseDecimal("-115"), -115);
  EXPECT_EQ(ParseDecimal("4294967295"), 4294967295);
  EXPECT_FALSE(ParseDecimal("").has_value());
  EXPECT_FALSE(ParseDecimal("-").has_value());
  EXPECT_FALSE(ParseDecimal("12a").has_value());
  EXPECT_FALSE(ParseDecimal("99999999999999999999").has_value());
  EXPECT_EQ(ParseHex("c000003e"), 0xc000003eu);
  EXPECT_FALSE(ParseHex("x86_64").has_value());
  EXPECT_FALSE(ParseHex("").has_value());
}

TEST(SyscallResultTest, SuccessOrErrnoName) {
  EXPECT_EQ(SyscallResult(true, "0"), "success");
  EXPECT_EQ(SyscallResult(false, "-115"), "EINPROGRESS");
  EXPECT_EQ(SyscallResult(false, "-111"), "ECONNREFUSED");
  EXPECT_EQ(SyscallResult(false, "-101"), "ENETUNREACH");
  EXPECT_EQ(SyscallResult(false, "-99999"), "-99999");  // unnamed: the number itself
  EXPECT_EQ(SyscallResult(false, ""), "failure");
}

}  // namespace
}  // namespace imds

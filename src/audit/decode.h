// Pure decoders for the ways the kernel encodes audit field values. No
// libauparse here: these take the raw field text (as auparse_get_field_str
// returns it) so that they can be tested on record text alone.
//
// The kernel logs an untrusted string either quoted ("text", when it holds
// no control character, space, quote or byte above 0x7e) or as upper-case
// hex of its bytes; "(null)" stands for a missing string.
#ifndef AUDISP_IMDS_AUDIT_DECODE_H
#define AUDISP_IMDS_AUDIT_DECODE_H

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imds {

// True when `text` is non-empty, of even length and only hex digits.
bool IsHexEncoded(std::string_view text);

// Bytes of a hex string; nullopt when it is not IsHexEncoded().
std::optional<std::string> HexDecode(std::string_view hex);

// Decodes one encoded string value:
//   "quoted"  -> the text between the quotes (a missing closing quote, as in
//                a truncated record, keeps everything after the opening one)
//   ABCD...   -> the hex-decoded bytes (may contain NULs)
//   (null)    -> nullopt
//   anything else (odd length, non-hex) -> the text as given, so that a
//                value mangled by a shipper is still shown rather than lost.
std::optional<std::string> DecodeAuditString(std::string_view raw);

// Assembles EXECVE arguments from the fields of the EXECVE records of one
// event, in record order. Handles `argc`, `aN="..."`, hex `aN=ABCD`, and long
// arguments split as `aN_len=L` then `aN[0]=...`, `aN[1]=...`, which the
// kernel spreads over several EXECVE records; each chunk is quoted or hex on
// its own (aN_len counts the logged characters, i.e. hex digits when the
// kernel forced hex, so it is only a size hint). Fields out of sequence (garbage, lost records) are ignored, so
// memory stays proportional to the input.
class ExecveArgsAssembler {
 public:
  // Feed one field (name and raw value). Unknown names are ignored.
  void AddField(std::string_view name, std::string_view raw_value);

  // True once any field of an EXECVE record was accepted.
  bool saw_execve() const { return saw_execve_; }

  // The arguments a0..a(argc-1), as far as they were received. When argc
  // was never seen, every argument received in sequence.
  std::vector<std::string> TakeArgs();

 private:
  bool saw_execve_ = false;
  std::optional<uint64_t> argc_;
  std::vector<std::string> args_;
  // The split argument being assembled: its index and next chunk number.
  std::optional<size_t> split_index_;
  uint64_t next_chunk_ = 0;
};

// PROCTITLE proctitle= value (hex of the NUL-separated command line, or a
// quoted single word) -> arguments. The kernel cuts it at 128 bytes, so it is
// only a fallback when there is no EXECVE record. Empty for (null)/garbage.
std::vector<std::string> DecodeProctitle(std::string_view raw);

// Joins arguments with single spaces (process.command_line).
std::string JoinArgs(const std::vector<std::string>& args);

// A connect() destination decoded from SOCKADDR saddr=.
struct SocketAddress {
  int family = 0;   // AF_INET or AF_INET6 (the only ones decoded)
  std::string ip;   // dotted quad or RFC 5952 text
  uint16_t port = 0;
};

// Decodes the saddr= hex of a SOCKADDR record. The family field is in the
// audited machine's byte order (little-endian unless `big_endian`, see
// IsBigEndianAuditArch); port and address are in network order. AF_INET6
// IPv4-mapped addresses (::ffff:a.b.c.d) are given as a.b.c.d, as the kernel
// then connects over IPv4. nullopt for AF_UNIX, AF_NETLINK, AF_UNSPEC, other
// families, and anything too short or not hex.
std::optional<SocketAddress> DecodeSockaddr(std::string_view saddr_hex, bool big_endian = false);

// The AUDIT_ARCH_* values carry __AUDIT_ARCH_LE (0x40000000) for
// little-endian machines; without it (s390x, ppc64 big-endian) structure
// fields such as sa_family are big-endian.
bool IsBigEndianAuditArch(uint32_t audit_arch);

// Parses the decimal/hex numbers of audit fields; nullopt on any junk.
std::optional<int64_t> ParseDecimal(std::string_view text);
std::optional<uint64_t> ParseHex(std::string_view text);

// "success" for a successful call, else the errno name of a negative exit
// ("EINPROGRESS" for -115); an unnamed or missing exit gives its text.
std::string SyscallResult(bool success, std::string_view exit_text);

// Whether a connect with this result attempted a connection (semantics.md):
// every result does except ENOTSOCK, EBADF, EFAULT, EINVAL and EAFNOSUPPORT,
// which the kernel returns without trying (it audits the address first).
bool IsConnectAttempt(bool success, std::string_view exit_text);

}  // namespace imds

#endif  // AUDISP_IMDS_AUDIT_DECODE_H

#include "audit/decode.h"

#include <cerrno>

#include <arpa/inet.h>
#include <libaudit.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <limits>

namespace imds {

namespace {

int HexDigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// "12" of "a12", "a12_len", "a12[3]"; nullopt when not digits. At most 9
// digits: argument numbers come from the input and must not overflow.
std::optional<size_t> ParseSmallIndex(std::string_view digits) {
  if (digits.empty() || digits.size() > 9) return std::nullopt;
  size_t value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<size_t>(c - '0');
  }
  return value;
}

// The kernel never logs more than MAX_ARG_STRLEN (128 KiB) per argument, but
// aN_len comes from the input: reserve only what a sane value needs.
constexpr uint64_t kMaxReserve = 1u << 20;

}  // namespace

bool IsHexEncoded(std::string_view text) {
  if (text.empty() || text.size() % 2 != 0) return false;
  return std::all_of(text.begin(), text.end(), [](char c) { return HexDigitValue(c) >= 0; });
}

std::optional<std::string> HexDecode(std::string_view hex) {
  if (!IsHexEncoded(hex)) return std::nullopt;
  std::string out;
  out.resize(hex.size() / 2);
  for (size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<char>((HexDigitValue(hex[2 * i]) << 4) | HexDigitValue(hex[2 * i + 1]));
  }
  return out;
}

std::optional<std::string> DecodeAuditString(std::string_view raw) {
  if (!raw.empty() && raw.front() == '"') {
    raw.remove_prefix(1);
    if (!raw.empty() && raw.back() == '"') raw.remove_suffix(1);
    return std::string(raw);
  }
  if (raw == "(null)") return std::nullopt;
  if (auto decoded = HexDecode(raw)) return decoded;
  return std::string(raw);
}

void ExecveArgsAssembler::AddField(std::string_view name, std::string_view raw_value) {
  if (name == "argc") {
    saw_execve_ = true;
    if (auto n = ParseDecimal(raw_value); n && *n >= 0) argc_ = static_cast<uint64_t>(*n);
    return;
  }
  if (name.size() < 2 || name[0] != 'a') return;
  const std::string_view rest = name.substr(1);
  const size_t digits_end = std::min(rest.find_first_not_of("0123456789"), rest.size());
  const std::optional<size_t> index = ParseSmallIndex(rest.substr(0, digits_end));
  if (!index) return;
  if (argc_ && *index >= *argc_) return;  // beyond argc: not an argument
  const std::string_view suffix = rest.substr(digits_end);
  saw_execve_ = true;

  if (suffix.empty()) {  // aN=value
    if (*index != args_.size()) return;
    split_index_.reset();
    args_.push_back(DecodeAuditString(raw_value).value_or(std::string()));
    return;
  }
  if (suffix == "_len") {  // aN_len=L opens a split argument
    if (*index != args_.size()) return;
    args_.emplace_back();
    if (auto len = ParseDecimal(raw_value); len && *len > 0) {
      args_.back().reserve(static_cast<size_t>(std::min<uint64_t>(*len, kMaxReserve)));
    }
    split_index_ = *index;
    next_chunk_ = 0;
    return;
  }
  // aN[k]=chunk
  if (suffix.size() < 3 || suffix.front() != '[' || suffix.back() != ']') return;
  const std::optional<size_t> chunk = ParseSmallIndex(suffix.substr(1, suffix.size() - 2));
  if (!chunk) return;
  if (*chunk == 0 && *index == args_.size()) {
    // aN_len was lost (or never sent): start the argument at its first chunk.
    args_.emplace_back();
    split_index_ = *index;
    next_chunk_ = 0;
  }
  if (!split_index_ || *split_index_ != *index || *chunk != next_chunk_) return;
  args_.back() += DecodeAuditString(raw_value).value_or(std::string());
  ++next_chunk_;
}

std::vector<std::string> ExecveArgsAssembler::TakeArgs() {
  split_index_.reset();
  return std::move(args_);
}

std::vector<std::string> DecodeProctitle(std::string_view raw) {
  std::vector<std::string> args;
  std::optional<std::string> text = DecodeAuditString(raw);
  if (!text) return args;
  // Trailing NULs end the last argument; they do not add empty ones.
  while (!text->empty() && text->back() == '\0') text->pop_back();
  if (text->empty()) return args;
  size_t start = 0;
  while (true) {
    const size_t nul = text->find('\0', start);
    if (nul == std::string::npos) {
      args.push_back(text->substr(start));
      break;
    }
    args.push_back(text->substr(start, nul - start));
    start = nul + 1;
  }
  return args;
}

std::string JoinArgs(const std::vector<std::string>& args) {
  size_t total = 0;
  for (const auto& a : args) total += a.size() + 1;
  std::string out;
  out.reserve(total);
  for (size_t i = 0; i < args.size(); ++i) {
    if (i != 0) out += ' ';
    out += args[i];
  }
  return out;
}

std::optional<SocketAddress> DecodeSockaddr(std::string_view saddr_hex, bool big_endian) {
  const std::optional<std::string> bytes_text = HexDecode(saddr_hex);
  if (!bytes_text || bytes_text->size() < 2) return std::nullopt;
  const auto* b = reinterpret_cast<const unsigned char*>(bytes_text->data());
  const size_t n = bytes_text->size();
  const int family = big_endian ? (b[0] << 8) | b[1] : b[0] | (b[1] << 8);

  SocketAddress out;
  if (family == AF_INET) {
    // sockaddr_in: family(2) port(2) addr(4); the zero padding may be absent.
    if (n < 8) return std::nullopt;
    char text[INET_ADDRSTRLEN];
    if (inet_ntop(AF_INET, b + 4, text, sizeof(text)) == nullptr) return std::nullopt;
    out.family = AF_INET;
    out.ip = text;
    out.port = static_cast<uint16_t>((b[2] << 8) | b[3]);
    return out;
  }
  if (family == AF_INET6) {
    // sockaddr_in6: family(2) port(2) flowinfo(4) addr(16) [scope_id(4)].
    if (n < 24) return std::nullopt;
    in6_addr addr;
    std::memcpy(&addr, b + 8, sizeof(addr));
    char text[INET6_ADDRSTRLEN];
    if (IN6_IS_ADDR_V4MAPPED(&addr)) {
      if (inet_ntop(AF_INET, b + 20, text, sizeof(text)) == nullptr) return std::nullopt;
    } else if (inet_ntop(AF_INET6, &addr, text, sizeof(text)) == nullptr) {
      return std::nullopt;
    }
    out.family = AF_INET6;
    out.ip = text;
    out.port = static_cast<uint16_t>((b[2] << 8) | b[3]);
    return out;
  }
  return std::nullopt;
}

bool IsBigEndianAuditArch(uint32_t audit_arch) { return (audit_arch & 0x40000000u) == 0; }

std::optional<int64_t> ParseDecimal(std::string_view text) {
  bool negative = false;
  if (!text.empty() && text.front() == '-') {
    negative = true;
    text.remove_prefix(1);
  }
  if (text.empty() || text.size() > 19) return std::nullopt;
  uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  if (value > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
  const auto v = static_cast<int64_t>(value);
  return negative ? -v : v;
}

std::optional<uint64_t> ParseHex(std::string_view text) {
  if (text.empty() || text.size() > 16) return std::nullopt;
  uint64_t value = 0;
  for (char c : text) {
    const int d = HexDigitValue(c);
    if (d < 0) return std::nullopt;
    value = (value << 4) | static_cast<uint64_t>(d);
  }
  return value;
}

std::string SyscallResult(bool success, std::string_view exit_text) {
  if (success) return "success";
  if (exit_text.empty()) return "failure";
  if (auto exit_code = ParseDecimal(exit_text); exit_code && *exit_code < 0 &&
                                                *exit_code > -std::numeric_limits<int>::max()) {
    if (const char* name = audit_errno_to_name(static_cast<int>(-*exit_code))) return name;
  }
  return std::string(exit_text);
}

bool IsConnectAttempt(bool success, std::string_view exit_text) {
  if (success) return true;
  const std::optional<int64_t> exit_code = ParseDecimal(exit_text);
  if (!exit_code) return true;
  switch (-*exit_code) {
    case ENOTSOCK:
    case EBADF:
    case EFAULT:
    case EINVAL:
    case EAFNOSUPPORT:
      return false;
    default:
      return true;
  }
}

}  // namespace imds

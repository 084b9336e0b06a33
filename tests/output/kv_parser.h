// A strict parser for the key=value alert lines, for tests: pairs separated
// by one space; keys [A-Za-z0-9_.@]+; values either bare integers or
// double-quoted with only the escapes \" \\ \xHH, and no raw control bytes,
// DEL, C1 controls, U+2028/2029 or invalid UTF-8 between the quotes.
#ifndef AUDISP_IMDS_TESTS_OUTPUT_KV_PARSER_H
#define AUDISP_IMDS_TESTS_OUTPUT_KV_PARSER_H

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imds::testing {

struct KvPair {
  std::string key;
  std::string value;  // decoded
  bool quoted = false;
};

struct KvParseResult {
  std::optional<std::vector<KvPair>> pairs;
  std::string error;
};

KvParseResult ParseKeyValueLine(std::string_view line);

}  // namespace imds::testing

#endif  // AUDISP_IMDS_TESTS_OUTPUT_KV_PARSER_H

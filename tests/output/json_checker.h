// A small, strict RFC 8259 JSON parser for tests: the whole text must be one
// value; strings must be valid UTF-8 with no raw control characters; only
// the standard escapes, surrogates properly paired; no duplicate keys. It is
// written independently of src/output so that it checks, not mirrors, the
// formatter.
#ifndef AUDISP_IMDS_TESTS_OUTPUT_JSON_CHECKER_H
#define AUDISP_IMDS_TESTS_OUTPUT_JSON_CHECKER_H

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace imds::testing {

struct JsonValue {
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };
  Type type = Type::kNull;
  bool boolean = false;
  std::string text;  // kNumber: the literal; kString: the decoded string
  std::vector<JsonValue> array;
  std::vector<std::pair<std::string, JsonValue>> object;

  const JsonValue* Member(std::string_view key) const;
  // "process.parent.pid": members through nested objects; nullptr if absent.
  const JsonValue* Path(std::string_view dotted) const;
};

struct JsonParseResult {
  std::optional<JsonValue> value;
  std::string error;  // "offset 12: ..." when value is empty
};

JsonParseResult ParseJsonStrict(std::string_view text);

}  // namespace imds::testing

#endif  // AUDISP_IMDS_TESTS_OUTPUT_JSON_CHECKER_H

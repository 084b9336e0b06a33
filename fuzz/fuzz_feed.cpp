// libFuzzer target: the whole event path on attacker-shaped audit text.
//
//   bytes -> AuditFeed (fed in chunks cut at points derived from the input,
//   as auditd's pipe may cut them) -> EventBuilder -> ProcessTable (replay:
//   no /proc) -> Pipeline with the built-in rule (rules/imds_v3.toml) and,
//   when the source tree is at hand, the upstream revision -> every alert
//   formatted as JSON and key=value and checked by alert_oracle.h.
//
// The chunking is a pure function of the input, so a crash reproduces from
// the file alone. Small table and pending limits make eviction reachable.
// Differential check: unless the input selects the wall-clock dependent
// variant (aging), the alerts must be the same when the input is fed in
// one piece, since where a pipe cuts the stream must not matter.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "app/builtin_rule.h"
#include "app/pipeline.h"
#include "audit/event_builder.h"
#include "fuzz/alert_oracle.h"
#include "input/audit_feed.h"
#include "output/alert_format.h"
#include "output/sink.h"
#include "process/process_table.h"
#include "rule/rule_file.h"
#include "rule/rule_set.h"

namespace {

using imds::Alert;

// Checks every alert with the oracle and keeps its JSON line, so that two
// runs over the same input can be compared.
class CheckingSink : public imds::AlertSink {
 public:
  explicit CheckingSink(std::vector<std::string>* lines, bool check) : lines_(lines), check_(check) {}
  void Deliver(const Alert& alert) override {
    ++stats_.sent;
    if (check_) imds::fuzzing::CheckAlertFormats(alert);
    lines_->push_back(imds::FormatAlertJson(alert));
  }
  imds::SinkStats stats() const override { return stats_; }

 private:
  std::vector<std::string>* lines_;
  bool check_;
  imds::SinkStats stats_;
};

const std::vector<imds::Rule>& Rules() {
  static const std::vector<imds::Rule>* rules = [] {
    auto* out = new std::vector<imds::Rule>;
    auto builtin = imds::LoadRuleText(imds::BuiltinRuleText(), std::string(imds::BuiltinRuleName()));
    if (auto* error = std::get_if<imds::RuleError>(&builtin)) {
      fprintf(stderr, "fuzz_feed: the built-in rule does not load: %s\n", error->ToString().c_str());
      abort();
    }
    out->push_back(std::get<imds::Rule>(std::move(builtin)));
#ifdef IMDS_SOURCE_DIR
    // A second rule with another maxspan and fields; optional so the binary
    // also runs away from its source tree.
    auto upstream = imds::LoadRuleFile(IMDS_SOURCE_DIR
                                       "/rules/upstream/credential_access_unusual_instance_metadata_service_api_request.toml");
    if (auto* rule = std::get_if<imds::Rule>(&upstream)) out->push_back(std::move(*rule));
#endif
    return out;
  }();
  return *rules;
}

// splitmix64: a cheap, well-mixed sequence from the input's hash.
uint64_t Mix(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

struct RunOptions {
  bool chunked = true;       // false: the whole input in one Feed()
  bool age = false;          // Age(0) between some chunks (wall clock!)
  bool feed_twice = false;   // feed the input again after Flush()
  size_t max_line = imds::AuditFeed::kDefaultMaxLineBytes;
  bool check = true;         // run the alert oracle
};

// The plugin's event path over `text`; returns the alerts as JSON lines.
std::vector<std::string> Run(const char* text, size_t size, uint64_t state, const RunOptions& options) {
  std::vector<std::string> lines;
  imds::ProcessTable table(/*capacity=*/64, /*live_source=*/nullptr, "fuzz-host-id");
  imds::Pipeline pipeline(table, std::make_unique<imds::RuleSet>(Rules(), /*max_pending=*/16),
                          std::make_unique<CheckingSink>(&lines, options.check));
  // A small limit so that the limiter's windows open and close too.
  pipeline.SetAlertLimit(4, 2000, [](const imds::SuppressionReport& r) { (void)r.ToString(); });
  auto feed = imds::AuditFeed::Create(imds::EventBuilder(imds::HostIdentity{"fuzz-host-id", "fuzz-host"}),
                                      [&pipeline](imds::EcsEvent&& e) { pipeline.OnEvent(std::move(e)); },
                                      options.max_line);
  if (!feed) return lines;
  for (int pass = 0; pass < (options.feed_twice ? 2 : 1); ++pass) {
    size_t offset = 0;
    while (offset < size) {
      const uint64_t r = Mix(state);
      size_t chunk = size - offset;
      if (options.chunked) {
        switch (r & 3) {
          case 0: chunk = 1 + (r >> 8) % 8; break;      // a few bytes: cuts inside tokens
          case 1: chunk = 1 + (r >> 8) % 300; break;    // about a record
          default: chunk = 1 + (r >> 8) % 8192; break;  // several records
        }
        if (chunk > size - offset) chunk = size - offset;
      }
      feed->Feed(text + offset, chunk);
      offset += chunk;
      // Ages by the wall clock: the input's old timestamps make it close
      // events early, as the live plugin does when stdin is idle.
      if (options.age && ((r >> 40) & 63) == 0) feed->Age(0);
    }
    feed->Flush();
  }
  pipeline.FlushSuppressionReports();
  (void)table.size();
  (void)pipeline.rules().pending();
  return lines;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto* text = reinterpret_cast<const char*>(data);

  uint64_t state = 1469598103934665603ull;  // FNV-1a of the input seeds the cuts
  for (size_t i = 0; i < size; ++i) state = (state ^ data[i]) * 1099511628211ull;
  const uint64_t mode = Mix(state);

  RunOptions options;
  if ((mode & 7) == 0) {
    // Now and then: aging, a line limit below the input size (the "endless
    // line" path), and feeding again after a flush. Wall-clock dependent, so
    // not compared with anything.
    options.age = true;
    options.max_line = 4096;
    options.feed_twice = true;
    Run(text, size, state, options);
    return 0;
  }
  // Otherwise the cuts must not matter: auditd's pipe may cut the stream
  // anywhere, and the same records must give the same alerts. This holds
  // for any input, reused event keys and one serial with two times
  // included: the input stage reads line by line and assembles events
  // itself, so nothing depends on where a read ends.
  const std::vector<std::string> chunked = Run(text, size, state, options);
  RunOptions whole;
  whole.chunked = false;
  whole.check = false;
  const std::vector<std::string> at_once = Run(text, size, state, whole);
  if (chunked != at_once) {
    fprintf(stderr, "fuzz_feed: %zu alert(s) when fed in chunks, %zu when fed at once\n", chunked.size(),
            at_once.size());
    for (size_t i = 0; i < chunked.size() && i < at_once.size(); ++i) {
      const std::string& a = chunked[i];
      const std::string& b = at_once[i];
      if (a == b) continue;
      size_t at = 0;
      while (at < a.size() && at < b.size() && a[at] == b[at]) ++at;
      const size_t from = at > 120 ? at - 120 : 0;
      fprintf(stderr, "  alert %zu differs at byte %zu:\n  chunked: ...%.240s\n  at once: ...%.240s\n", i, at,
              a.c_str() + from, b.c_str() + from);
      break;
    }
    abort();
  }
  return 0;
}

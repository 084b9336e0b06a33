// libFuzzer target: rule files and bare EQL queries.
//
//   bytes -> LoadRuleText (TOML + the EQL inside it) and CompileQueryText.
//
// Whatever compiles must also:
//  - print a canonical form that compiles again to the same canonical form
//    (the printer and the parser agree);
//  - evaluate identically with a reused Evaluator and with a fresh one per
//    call (the per-field value cache is invisible);
//  - run through a RuleSet over a fixed stream of exec/connect events, and
//    every alert it raises formats into well-formed JSON and key=value.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/alert_oracle.h"
#include "rule/compiler.h"
#include "rule/evaluator.h"
#include "rule/rule_file.h"
#include "rule/rule_set.h"

namespace {

using imds::EcsEvent;
using imds::EventCategory;

imds::AuditStamp At(int64_t millis, uint64_t serial) {
  imds::AuditStamp s;
  s.seconds = 1700000000 + millis / 1000;
  s.millis = static_cast<uint32_t>(millis % 1000);
  s.serial = serial;
  return s;
}

EcsEvent Exec(int64_t millis, uint64_t serial, int64_t pid, int64_t ppid, std::vector<std::string> exe,
              std::vector<std::string> args) {
  EcsEvent e;
  e.category = EventCategory::kProcess;
  e.stamp = At(millis, serial);
  e.host_id = "host-1";
  e.host_name = "web-1";
  e.pid = pid;
  e.ppid = ppid;
  e.executable = std::move(exe);
  e.args = std::move(args);
  for (size_t i = 0; i < e.args.size(); ++i) e.command_line += (i ? " " : "") + e.args[i];
  e.working_directory = "/home/user";
  e.entity_id = "host-1:" + std::to_string(pid) + ":" + std::to_string(serial);
  e.uid = 1000;
  e.session_id = 3;
  e.parent_executable = "/usr/bin/bash";
  e.parent_entity_id = "host-1:" + std::to_string(ppid) + ":1";
  e.entry_leader_executable = "/usr/sbin/sshd";
  return e;
}

EcsEvent Connect(int64_t millis, uint64_t serial, int64_t pid, int64_t ppid, std::string ip,
                 std::optional<int64_t> port) {
  EcsEvent e;
  e.category = EventCategory::kNetwork;
  e.stamp = At(millis, serial);
  e.host_id = "host-1";
  e.host_name = "web-1";
  e.pid = pid;
  e.ppid = ppid;
  e.executable = {"/usr/bin/curl"};
  e.entity_id = "host-1:" + std::to_string(pid) + ":1";
  e.parent_executable = "/usr/bin/bash";
  e.parent_entity_id = "host-1:" + std::to_string(ppid) + ":1";
  e.destination_ip = std::move(ip);
  e.destination_port = port;
  e.syscall_result = "EINPROGRESS";
  return e;
}

// A small stream covering the shapes the audit layer produces: the IMDS
// pair, a relative/shebang exec with two executables and no parent, IPv6,
// odd bytes in arguments, null fields, equal timestamps, a late connect.
const std::vector<EcsEvent>& Events() {
  static const std::vector<EcsEvent>* events = [] {
    auto* v = new std::vector<EcsEvent>;
    v->push_back(Exec(0, 10, 100, 50, {"/usr/bin/curl"}, {"curl", "http://169.254.169.254/latest/meta-data/"}));
    v->push_back(Connect(200, 11, 100, 50, "169.254.169.254", 80));
    EcsEvent odd = Exec(300, 12, 101, 51, {"/tmp/x.sh", "./x.sh"}, {"./x.sh", "a\nb", "\x1d\xff\"=", ""});
    odd.working_directory.reset();
    odd.parent_executable.reset();
    odd.parent_entity_id.reset();
    odd.uid.reset();
    v->push_back(std::move(odd));
    v->push_back(Connect(300, 13, 101, 51, "fd00:ec2::254", std::nullopt));
    v->push_back(Exec(300, 13, 102, 50, {"/usr/bin/python3.11"}, {}));
    v->push_back(Connect(1200, 14, 102, 50, "169.254.169.254", 443));
    v->push_back(Connect(5000, 15, 100, 50, "169.254.169.254", 80));
    v->push_back(Exec(4000, 16, 103, 50, {"/usr/bin/wget"}, {"wget", "-q", "169.254.169.254"}));
    v->push_back(Connect(4001, 17, 104, 50, "169.254.169.254", 80));
    return v;
  }();
  return *events;
}

[[noreturn]] void Fail(const char* what, const std::string& a, const std::string& b) {
  std::fprintf(stderr, "fuzz_rule: %s\n  first:  %s\n  second: %s\n", what, a.c_str(), b.c_str());
  std::abort();
}

void CheckCanonicalRoundTrip(const imds::CompiledQuery& query) {
  const std::string canonical = imds::ToCanonicalString(query);
  auto again = imds::CompileQueryText(canonical);
  if (auto* error = std::get_if<imds::RuleError>(&again))
    Fail("the canonical form does not compile", canonical, error->ToString());
  const std::string canonical2 = imds::ToCanonicalString(std::get<imds::CompiledQuery>(again));
  if (canonical2 != canonical) Fail("the canonical form is not a fixed point", canonical, canonical2);
}

void CheckEvaluatorCache(const imds::CompiledQuery& query) {
  imds::Evaluator reused;
  for (const EcsEvent& event : Events()) {
    reused.Bind(event);
    for (const imds::CompiledStage& stage : query.stages) {
      const bool accepted = imds::StageAccepts(stage.category, event.category);
      const bool cached = reused.Matches(stage);
      const bool fresh = accepted && imds::Matches(stage.condition, event);
      if (cached != fresh) Fail("a reused Evaluator disagrees with a fresh one", imds::ToCanonicalString(query), "");
    }
  }
}

void RunRules(std::vector<imds::Rule> rules) {
  imds::RuleSet set(std::move(rules), /*max_pending=*/3);
  std::vector<imds::Alert> alerts;
  for (const EcsEvent& event : Events()) set.OnEvent(event, alerts);
  for (const imds::Alert& alert : alerts) imds::fuzzing::CheckAlertFormats(alert);
  (void)set.NeedsCategory(EventCategory::kProcess);
  (void)set.ReferencedFields();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  auto loaded = imds::LoadRuleText(text, "fuzz.toml");
  if (auto* rule = std::get_if<imds::Rule>(&loaded)) {
    CheckCanonicalRoundTrip(rule->query);
    CheckEvaluatorCache(rule->query);
    // The query text the file carried compiles to the same thing on its own.
    auto direct = imds::CompileQueryText(rule->query_text);
    if (auto* q = std::get_if<imds::CompiledQuery>(&direct)) {
      if (imds::ToCanonicalString(*q) != imds::ToCanonicalString(rule->query))
        Fail("query_text compiles differently outside its file", rule->query_text, "");
    }
    RunRules({*rule});
  } else {
    (void)std::get<imds::RuleError>(loaded).ToString();
  }

  auto compiled = imds::CompileQueryText(text);
  if (auto* query = std::get_if<imds::CompiledQuery>(&compiled)) {
    CheckCanonicalRoundTrip(*query);
    CheckEvaluatorCache(*query);
    (void)imds::ReferencedFields(*query);
    imds::Rule rule;
    rule.meta.name = "fuzz";
    rule.meta.id = "fuzz-id";
    rule.meta.severity = "high";
    rule.query = *query;
    RunRules({rule});
  } else {
    (void)std::get<imds::RuleError>(compiled).ToString();
  }
  return 0;
}

#include "app/app.h"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>
#include <sstream>

#include "app/diagnostics.h"
#include "app/host_identity.h"
#include "app/pipeline.h"
#include "app/privileges.h"
#include "app/setup.h"
#include "app/signals.h"
#include "audit/event_builder.h"
#include "input/audit_feed.h"
#include "input/read_loop.h"
#include "process/proc_source.h"
#include "process/process_table.h"

namespace imds {

namespace {

bool SameSinkSettings(const Config& a, const Config& b) {
  const SyslogSettings& x = a.syslog;
  const SyslogSettings& y = b.syslog;
  return a.output == b.output && a.output_file == b.output_file && x.ident == y.ident &&
         x.facility == y.facility && x.priority == y.priority && x.socket_path == y.socket_path &&
         x.format == y.format && x.queue_limit == y.queue_limit;
}

// The rules' sequence matchers, sized by [limits].
std::unique_ptr<RuleSet> MakeRuleSet(const Setup& setup) {
  return std::make_unique<RuleSet>(setup.rules, setup.config.max_pending_sequences,
                                   int64_t{setup.config.lateness_allowance_seconds} * 1000);
}

// Connects to an address no loaded rule names skip libauparse.
void ApplyNeededDestinations(AuditFeed& feed, const RuleSet& rules) {
  if (std::optional<RuleSet::Destinations> d = rules.NetworkDestinations()) {
    feed.SetNeededDestinations(d->exact, d->ignoring_case);
  } else {
    feed.SetNeededDestinations(std::nullopt);
  }
}

bool SameMatcherLimits(const Config& a, const Config& b) {
  return a.max_pending_sequences == b.max_pending_sequences &&
         a.lateness_allowance_seconds == b.lateness_allowance_seconds;
}

// Everything that lives while the plugin runs, and what the read loop's
// hooks act on between reads.
class Runner : public ReadLoopHooks {
 public:
  Runner(const CommandLine& cl, Setup setup, Diagnostics& diag, ProcessTable& table, Pipeline& pipeline,
         SignalRequests& signals)
      : cl_(cl), setup_(std::move(setup)), diag_(diag), table_(table), pipeline_(pipeline), signals_(signals) {
    last_status_ = std::chrono::steady_clock::now();
  }

  void set_feed(AuditFeed* feed) { feed_ = feed; }
  const Config& config() const { return setup_.config; }

  Action Poll() override {
    if (signals_.TakeStop()) return Action::kStop;
    if (signals_.TakeReload()) Reload();
    if (signals_.TakeStatus()) diag_.Info(StatusLine());
    const unsigned interval = setup_.config.status_interval_seconds;
    if (interval > 0) {
      const auto now = std::chrono::steady_clock::now();
      if (now - last_status_ >= std::chrono::seconds(interval)) {
        last_status_ = now;
        diag_.Info(StatusLine());
      }
    }
    pipeline_.sink().Pump();
    return Action::kContinue;
  }

  void ApplyAlertLimit(const Config& config) {
    pipeline_.SetAlertLimit(config.alerts_per_window, int64_t{config.alert_window_seconds} * 1000,
                            [this](const SuppressionReport& r) { diag_.Warning(r.ToString()); });
  }

  std::string StatusLine() const {
    std::ostringstream s;
    const SinkStats sink = pipeline_.sink().stats();
    s << "status";
    if (feed_ != nullptr) {
      const AuditFeedStats f = feed_->stats();
      s << " events_read=" << f.events_seen << " events_rebuilt=" << f.events_rebuilt
        << " records_skipped=" << f.records_skipped << " parse_errors=" << f.parse_errors
        << " events_cut=" << f.events_cut << " pending_events=" << feed_->pending_events()
        << " pipeline_errors=" << f.pipeline_errors;
    }
    s << " events_evaluated=" << pipeline_.events_evaluated() << " alerts=" << pipeline_.alerts()
      << " alerts_suppressed=" << pipeline_.alerts_suppressed() << " alerts_sent=" << sink.sent << " alerts_queued=" << sink.queued << " alerts_dropped=" << sink.dropped
      << " process_table=" << table_.size() << " process_evictions=" << table_.evictions()
      << " processes_from_connects=" << table_.learned_from_connects() << " hosts=" << table_.hosts()
      << " host_resets=" << table_.host_resets()
      << " pending_sequences=" << pipeline_.rules().pending()
      << " sequence_late_drops=" << pipeline_.rules().late_dropped()
      << " sequence_evictions=" << pipeline_.rules().evicted();
    if (feed_ != nullptr) {
      s << " node_feeds=" << feed_->node_feeds() << " node_feeds_dropped=" << feed_->stats().node_feeds_dropped;
    }
    return s.str();
  }

 private:
  void Reload() {
    auto loaded = LoadSetup(cl_);
    if (auto* error = std::get_if<std::string>(&loaded)) {
      diag_.Error("reload failed, keeping the running configuration: " + *error);
      return;
    }
    Setup next = std::move(std::get<Setup>(loaded));
    if (!SameSinkSettings(setup_.config, next.config)) {
      auto sink = MakeSink(next.config);
      if (auto* error = std::get_if<std::string>(&sink)) {
        diag_.Error("reload failed, keeping the running configuration: " + *error);
        return;
      }
      pipeline_.ReplaceSink(std::move(std::get<std::unique_ptr<AlertSink>>(sink)));
    } else if (auto error = pipeline_.sink().Reopen()) {
      // logrotate moved the alert file: reopening is what SIGHUP is for.
      diag_.Error("reopening the output failed: " + error->message);
    }
    const bool rules_changed = !SameRules(setup_.rules, next.rules);
    // New limits for the matchers take effect now too (their state starts afresh).
    if (rules_changed || !SameMatcherLimits(setup_.config, next.config)) {
      pipeline_.ReplaceRules(MakeRuleSet(next));
      if (feed_ != nullptr) ApplyNeededDestinations(*feed_, pipeline_.rules());
    }
    if (next.config.alerts_per_window != setup_.config.alerts_per_window ||
        next.config.alert_window_seconds != setup_.config.alert_window_seconds) {
      ApplyAlertLimit(next.config);
    }
    if (next.config.process_table_capacity != setup_.config.process_table_capacity) {
      diag_.Warning("limits.process_table changes take effect at the next start");
    }
    diag_.Retarget(next.config.syslog.ident, next.config.syslog.socket_path);
    diag_.Info("reloaded " + next.config.source + ": " + std::to_string(next.rules.size()) + " rule(s)" +
               (rules_changed ? "" : ", unchanged"));
    setup_ = std::move(next);
  }

  const CommandLine& cl_;
  Setup setup_;
  Diagnostics& diag_;
  ProcessTable& table_;
  Pipeline& pipeline_;
  SignalRequests& signals_;
  AuditFeed* feed_ = nullptr;
  std::chrono::steady_clock::time_point last_status_;
};

int Run(const CommandLine& cl) {
  const bool live = !cl.replay;
  Diagnostics diag("audisp-imds", "", stderr);

  auto loaded = LoadSetup(cl);
  if (auto* error = std::get_if<std::string>(&loaded)) {
    if (live && !cl.check_config) diag.Retarget("audisp-imds", "/dev/log");
    diag.Error(*error);
    return 1;
  }
  Setup setup = std::move(std::get<Setup>(loaded));
  if (cl.check_config) {
    std::cout << DescribeSetup(setup) << "configuration OK\n";
    return 0;
  }
  if (live) diag.Retarget(setup.config.syslog.ident, setup.config.syslog.socket_path);

  int fd = STDIN_FILENO;
  if (cl.input != "-") {
    fd = open(cl.input.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      diag.Error("cannot open input " + cl.input + ": " + std::strerror(errno));
      return 1;
    }
  }

  auto sink = MakeSink(setup.config);
  if (auto* error = std::get_if<std::string>(&sink)) {
    diag.Error(*error);
    return 1;
  }

  const LocalHost host = DetectLocalHost(setup.config.host_id, setup.config.host_name);
  LinuxProcSource proc;
  // A replay never consults /proc: the same capture always gives the same
  // alerts, whatever runs on the machine replaying it.
  ProcessTable table(setup.config.process_table_capacity, live ? &proc : nullptr, host.id);
  if (live) table.Seed();
  // Everything that needs root's full power (opening the input and output,
  // seeding from /proc) is done: keep only what live /proc lookups need.
  if (auto error = DropPrivileges(live)) {
    diag.Error(*error);
    return 1;
  }

  Pipeline pipeline(table, MakeRuleSet(setup),
                    std::move(std::get<std::unique_ptr<AlertSink>>(sink)));
  SignalRequests signals;
  const size_t rule_count = setup.rules.size();
  Runner runner(cl, std::move(setup), diag, table, pipeline, signals);
  auto feed = AuditFeed::Create(EventBuilder(HostIdentity{host.id, host.name}),
                                [&pipeline](EcsEvent&& event) { pipeline.OnEvent(std::move(event)); });
  if (!feed) {
    diag.Error("cannot initialise libauparse (out of memory?)");
    return 1;
  }
  runner.set_feed(feed.get());
  ApplyNeededDestinations(*feed, pipeline.rules());
  runner.ApplyAlertLimit(runner.config());
  if (live) diag.Info("started: " + std::to_string(rule_count) + " rule(s), host " + host.name);

  ReadLoopOptions options;
  options.wake_fd = signals.wake_fd();
  // Age() cuts events that lost their EOE by the wall clock against their
  // audit time: right for a live stream, wrong for a recorded one, whose
  // events would all look stale and be cut before their last records arrive
  // through a slow pipe.
  options.age_when_idle = live;
  // auditd writes every record separately: gather a millisecond of them per
  // wake-up (bench-live: ~1 wake-up per event before, auditd paying too).
  options.batch_wait_ms = live ? 1 : 0;
  ReadLoopResult result = RunReadLoop(fd, *feed, runner, options);
  if (result.end == ReadLoopEnd::kStopRequested) feed->Flush();  // finish what was read
  pipeline.FlushSuppressionReports();
  pipeline.sink().Pump();
  if (fd != STDIN_FILENO) close(fd);

  if (result.end == ReadLoopEnd::kReadError) {
    diag.Error(std::string("reading ") + (cl.input == "-" ? "stdin" : cl.input) +
               " failed: " + std::strerror(result.error));
    return 1;
  }
  if (live) diag.Info("stopped: " + runner.StatusLine());
  return 0;
}

}  // namespace

int RunAudispImds(int argc, const char* const argv[]) {
  auto parsed = ParseCommandLine(argc, argv);
  if (auto* error = std::get_if<CommandLineError>(&parsed)) {
    std::cerr << "audisp-imds: " << error->message << "\nTry 'audisp-imds --help'.\n";
    return 2;
  }
  const CommandLine& cl = std::get<CommandLine>(parsed);
  if (cl.show_help) {
    std::cout << cl.help_text;
    return 0;
  }
  if (cl.show_version) {
    std::cout << "audisp-imds " << IMDS_VERSION << "\n";
    return 0;
  }
  return Run(cl);
}

}  // namespace imds

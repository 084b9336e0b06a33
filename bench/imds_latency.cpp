// imds_latency: how long an alert takes to leave audisp-imds once the
// connect that completes it has entered. The plugin itself carries no such
// instrumentation, so this program builds the plugin's own event path from
// the project's layer libraries (AuditFeed -> Pipeline with the default rule
// -> the real JSON StreamSink, writing to /dev/null) and times it with a
// monotonic clock:
//   * the load is fed in 64 KiB chunks, as the plugin's read loop does, and
//     the time each chunk is handed to AuditFeed::Feed is recorded;
//   * a sink wrapped around the StreamSink stamps each alert after it has
//     been formatted and written;
//   * latency = alert stamp - feed stamp of the chunk holding the last
//     record (highest offset) of the alert's connect event (found by its
//     audit serial, and node= name when records carry one).
//
//   imds_latency [--expect N] [--chunk BYTES] load.log
// prints key=value lines: alerts, alerts_expected, latency percentiles in
// microseconds (monotonic clock; and the thread's CPU time over the same
// span, which leaves out preemption by other processes), and the
// in-process throughput (no read(2), no pipe).
// Exit status 1 when --expect is given and the alert count differs.
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "app/builtin_rule.h"
#include "app/pipeline.h"
#include "audit/event_builder.h"
#include "input/audit_feed.h"
#include "output/stream_sink.h"
#include "process/process_table.h"
#include "rule/rule_file.h"
#include "rule/rule_set.h"

namespace imds {
namespace {

using Clock = std::chrono::steady_clock;

// CPU time of this thread: unlike the monotonic clock it does not count
// the time the thread was preempted, so on a busy machine it shows how much
// of a latency was the plugin's own work.
double ThreadCpuMicros() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

// (node, serial) of an event: what identifies its records in the stream.
struct EventKey {
  std::string node;
  uint64_t serial = 0;
  bool operator==(const EventKey& o) const { return serial == o.serial && node == o.node; }
};
struct EventKeyHash {
  size_t operator()(const EventKey& k) const { return std::hash<std::string>()(k.node) ^ (k.serial * 0x9E3779B97F4A7C15ull); }
};

// Parses "[node=N ]type=T msg=audit(S.M:SERIAL)" at the start of a line.
bool LineKey(std::string_view line, EventKey& key) {
  key.node.clear();
  if (line.substr(0, 5) == "node=") {
    const size_t space = line.find(' ');
    if (space == std::string_view::npos) return false;
    key.node.assign(line.substr(5, space - 5));
  }
  const size_t open = line.find("msg=audit(");
  if (open == std::string_view::npos) return false;
  const size_t colon = line.find(':', open);
  if (colon == std::string_view::npos) return false;
  uint64_t serial = 0;
  size_t i = colon + 1;
  for (; i < line.size() && line[i] >= '0' && line[i] <= '9'; ++i) serial = serial * 10 + (line[i] - '0');
  if (i == colon + 1) return false;
  key.serial = serial;
  return true;
}

// Stamps every alert after the real sink has formatted and written it.
class TimingSink : public AlertSink {
 public:
  explicit TimingSink(std::unique_ptr<AlertSink> inner) : inner_(std::move(inner)) {}
  void Deliver(const Alert& alert) override {
    inner_->Deliver(alert);
    const Clock::time_point now = Clock::now();
    const double cpu = ThreadCpuMicros();
    const EcsEvent& last = alert.events.back();
    stamps_.push_back({now, cpu, last.stamp.serial, last.host_name});
  }
  SinkStats stats() const override { return inner_->stats(); }

  struct Stamp {
    Clock::time_point at;
    double cpu_us;
    uint64_t serial;
    std::string host_name;
  };
  const std::vector<Stamp>& stamps() const { return stamps_; }

 private:
  std::unique_ptr<AlertSink> inner_;
  std::vector<Stamp> stamps_;
};

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  // Nearest rank: the smallest value with at least p% of values at or below.
  size_t rank = static_cast<size_t>(p / 100.0 * static_cast<double>(v.size()) + 0.999999);
  rank = std::min(std::max<size_t>(rank, 1), v.size());
  return v[rank - 1];
}

int Main(int argc, char** argv) {
  long long expect = -1;
  size_t chunk = 64 * 1024;
  const char* path = nullptr;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--expect") == 0 && i + 1 < argc) {
      expect = std::atoll(argv[++i]);
    } else if (std::strcmp(argv[i], "--chunk") == 0 && i + 1 < argc) {
      chunk = static_cast<size_t>(std::atoll(argv[++i]));
    } else if (argv[i][0] != '-' && path == nullptr) {
      path = argv[i];
    } else {
      path = nullptr;
      break;
    }
  }
  if (path == nullptr || chunk == 0) {
    std::fputs("usage: imds_latency [--expect N] [--chunk BYTES] load.log\n", stderr);
    return 2;
  }

  // The whole load in memory: the clock must measure the plugin, not a disk.
  std::string data;
  {
    FILE* f = std::fopen(path, "rb");
    if (f == nullptr) {
      std::perror(path);
      return 2;
    }
    char buf[1 << 16];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) data.append(buf, n);
    std::fclose(f);
  }

  // Where each event's last record ends: the chunk that completes it.
  std::unordered_map<EventKey, size_t, EventKeyHash> last_chunk;
  {
    EventKey key;
    size_t pos = 0;
    while (pos < data.size()) {
      size_t end = data.find('\n', pos);
      if (end == std::string::npos) end = data.size();
      if (LineKey(std::string_view(data).substr(pos, end - pos), key)) last_chunk[key] = end / chunk;
      pos = end + 1;
    }
  }

  auto loaded = LoadRuleText(BuiltinRuleText(), std::string(BuiltinRuleName()));
  if (auto* error = std::get_if<RuleError>(&loaded)) {
    std::fprintf(stderr, "imds_latency: the built-in rule does not load: %s\n", error->ToString().c_str());
    return 2;
  }
  std::vector<Rule> rules;
  rules.push_back(std::move(std::get<Rule>(loaded)));

  const int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (devnull < 0) {
    std::perror("/dev/null");
    return 2;
  }
  const std::string host_id = "imds-latency-bench";
  ProcessTable table(32768, nullptr, host_id);  // replay: never /proc
  auto timing = std::make_unique<TimingSink>(std::make_unique<StreamSink>(devnull));
  TimingSink* sink = timing.get();
  Pipeline pipeline(table, std::make_unique<RuleSet>(std::move(rules)), std::move(timing));
  auto feed = AuditFeed::Create(EventBuilder(HostIdentity{host_id, "imds-latency-bench"}),
                                [&pipeline](EcsEvent&& event) { pipeline.OnEvent(std::move(event)); });
  if (!feed) {
    std::fprintf(stderr, "imds_latency: cannot initialise libauparse\n");
    return 2;
  }

  std::vector<Clock::time_point> fed_at;
  std::vector<double> fed_cpu_us;
  fed_at.reserve(data.size() / chunk + 2);
  fed_cpu_us.reserve(data.size() / chunk + 2);
  const Clock::time_point start = Clock::now();
  const double start_cpu = ThreadCpuMicros();
  for (size_t off = 0; off < data.size(); off += chunk) {
    fed_at.push_back(Clock::now());
    fed_cpu_us.push_back(ThreadCpuMicros());
    feed->Feed(data.data() + off, std::min(chunk, data.size() - off));
  }
  fed_at.push_back(Clock::now());  // Flush() releases what is still pending
  fed_cpu_us.push_back(ThreadCpuMicros());
  feed->Flush();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const double cpu_seconds = (ThreadCpuMicros() - start_cpu) / 1e6;

  std::vector<double> latencies_us, cpu_latencies_us;
  uint64_t unmatched = 0;
  for (const auto& s : sink->stamps()) {
    // Records without node= are given this host's name by the audit layer.
    EventKey key{s.host_name == "imds-latency-bench" ? std::string() : s.host_name, s.serial};
    auto it = last_chunk.find(key);
    if (it == last_chunk.end()) {
      ++unmatched;
      continue;
    }
    latencies_us.push_back(std::chrono::duration<double, std::micro>(s.at - fed_at[it->second]).count());
    cpu_latencies_us.push_back(s.cpu_us - fed_cpu_us[it->second]);
  }

  const uint64_t alerts = sink->stamps().size();
  std::printf("alerts=%" PRIu64 "\n", alerts);
  if (expect >= 0) std::printf("alerts_expected=%lld\n", expect);
  std::printf("events=%" PRIu64 "\n", feed->stats().events_seen);
  std::printf("seconds=%.3f\n", seconds);
  std::printf("cpu_seconds=%.3f\n", cpu_seconds);
  std::printf("events_per_second=%.0f\n", seconds > 0 ? static_cast<double>(feed->stats().events_seen) / seconds : 0);
  std::printf("chunk_bytes=%zu\n", chunk);
  std::printf("latency_p50_us=%.1f\n", Percentile(latencies_us, 50));
  std::printf("latency_p99_us=%.1f\n", Percentile(latencies_us, 99));
  std::printf("latency_max_us=%.1f\n", latencies_us.empty() ? 0.0 : *std::max_element(latencies_us.begin(), latencies_us.end()));
  std::printf("cpu_latency_p50_us=%.1f\n", Percentile(cpu_latencies_us, 50));
  std::printf("cpu_latency_p99_us=%.1f\n", Percentile(cpu_latencies_us, 99));
  std::printf("latency_unmatched=%" PRIu64 "\n", unmatched);
  close(devnull);
  if (expect >= 0 && static_cast<long long>(alerts) != expect) {
    std::fprintf(stderr, "imds_latency: %" PRIu64 " alerts, expected %lld\n", alerts, expect);
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace imds

int main(int argc, char** argv) { return imds::Main(argc, argv); }

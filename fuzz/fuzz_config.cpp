// libFuzzer target: the configuration file.
//
//   bytes -> LoadConfigText
//
// The config is root's (an attacker cannot write it), but a typo must give
// an error value, never a crash, an exception or a half-checked Config. What
// loads must be usable as is by the layers that consume it: syslog names the
// output layer knows, limits inside their documented ranges, a file output
// with a path. A violation aborts.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "config/config.h"
#include "output/syslog_sink.h"

namespace {

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "fuzz_config: accepted a config with %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  imds::ConfigResult result = imds::LoadConfigText(text, "fuzz.toml");
  if (auto* error = std::get_if<imds::ConfigError>(&result)) {
    if (error->message.empty()) Fail("an empty error message");
    if (error->line < 0 || error->column < 0) Fail("a negative error position");
    (void)error->ToString();
    return 0;
  }
  imds::Config& config = std::get<imds::Config>(result);
  if (!imds::SyslogFacilityCode(config.syslog.facility)) Fail("a facility the syslog sink rejects");
  if (!imds::SyslogSeverityCode(config.syslog.priority)) Fail("a priority the syslog sink rejects");
  if (config.syslog.ident.empty() || config.syslog.ident.size() > 48) Fail("an ident of bad length");
  if (config.output == imds::OutputMode::kFile && config.output_file.empty()) Fail("a file output without a path");
  if (config.syslog.queue_limit < 1 || config.syslog.queue_limit > (1u << 20)) Fail("a queue out of range");
  if (config.process_table_capacity < 64 || config.process_table_capacity > (1u << 24))
    Fail("a process table out of range");
  if (config.max_pending_sequences < 16 || config.max_pending_sequences > (1u << 24))
    Fail("pending_sequences out of range");
  if (config.alert_window_seconds < 1 || config.alert_window_seconds > 86400) Fail("alert_window out of range");
  if (config.status_interval_seconds > 86400) Fail("status_interval out of range");
  // What --output does on top of a loaded config.
  imds::ApplyOutputOverride(config, std::string(text.substr(0, 16)));
  return 0;
}

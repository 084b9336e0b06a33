// Alerts as lines (JSON by default) on a file descriptor (stdout) or
// appended to a file. Each alert is one write(2) of the whole line, newline
// included, so it is on disk / in the pipe at once (no stdio buffering) and
// concurrent appenders do not interleave within a line.
//
// Writes block like any write to a file or pipe; the app should ignore
// SIGPIPE so that a closed stdout is a counted write error, not a death.
#ifndef AUDISP_IMDS_OUTPUT_STREAM_SINK_H
#define AUDISP_IMDS_OUTPUT_STREAM_SINK_H

#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "output/alert_format.h"
#include "output/sink.h"

namespace imds {

class StreamSink : public AlertSink {
 public:
  // Writes to `fd`, which stays the caller's (e.g. STDOUT_FILENO).
  explicit StreamSink(int fd, AlertFormat format = AlertFormat::kJson,
                      FormatLimits limits = JsonFileLimits());

  // Opens `path` for appending, creating it with mode 0640 (less the umask).
  static std::variant<std::unique_ptr<StreamSink>, SinkError> OpenFile(
      const std::string& path, AlertFormat format = AlertFormat::kJson, FormatLimits limits = JsonFileLimits());

  ~StreamSink() override;
  StreamSink(const StreamSink&) = delete;
  StreamSink& operator=(const StreamSink&) = delete;

  void Deliver(const Alert& alert) override;

  // File sinks: opens the path again (the old file may have been renamed by
  // logrotate) and switches to it; on failure keeps writing the old one.
  // fd sinks: nothing to do.
  std::optional<SinkError> Reopen() override;

  SinkStats stats() const override { return stats_; }

  // The most recent write or open error, for status reports.
  const std::optional<SinkError>& last_error() const { return last_error_; }

 private:
  StreamSink(int fd, bool owned, std::string path, AlertFormat format, FormatLimits limits);

  int fd_;
  bool owns_fd_;
  std::string path_;  // empty for fd sinks
  AlertFormat format_;
  FormatLimits limits_;
  // A write failed halfway through a line: start the next one on a fresh
  // line so the fragment cannot corrupt it.
  bool partial_line_ = false;
  SinkStats stats_;
  std::optional<SinkError> last_error_;
};

}  // namespace imds

#endif  // AUDISP_IMDS_OUTPUT_STREAM_SINK_H

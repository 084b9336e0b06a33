// Where alerts go. The app holds one AlertSink; it calls Deliver() per
// alert, Pump() periodically (about once a second, and once before exit),
// and Reopen() on SIGHUP. Sinks are not thread-safe: one thread drives them.
#ifndef AUDISP_IMDS_OUTPUT_SINK_H
#define AUDISP_IMDS_OUTPUT_SINK_H

#include <cstdint>
#include <optional>
#include <string>

#include "output/alert.h"

namespace imds {

struct SinkStats {
  uint64_t sent = 0;     // alerts written, or accepted by the syslog socket
  uint64_t dropped = 0;  // alerts lost: queue full, write error, too large
  uint64_t queued = 0;   // alerts waiting for the syslog socket right now
};

struct SinkError {
  std::string message;  // "open /var/log/imds.json: Permission denied"
};

class AlertSink {
 public:
  virtual ~AlertSink() = default;

  // Formats and hands on one alert. Never throws; failures show in stats().
  virtual void Deliver(const Alert& alert) = 0;

  // Retries whatever is pending (the syslog queue). Never blocks.
  virtual void Pump() {}

  // For SIGHUP / logrotate: reopen the output file, reconnect the socket.
  // On error the sink keeps working as well as it can (the old file stays
  // open; syslog alerts are queued) and the error says why.
  virtual std::optional<SinkError> Reopen() { return std::nullopt; }

  virtual SinkStats stats() const = 0;
};

}  // namespace imds

#endif  // AUDISP_IMDS_OUTPUT_SINK_H

// The plugin's stdin loop (audit 3.0.9 has no libauplugin): large reads into
// the AuditFeed, aging after short reads and whenever input is idle, Flush()
// at end of input, and a hook between reads where the application looks at
// the flags its signal handlers set (stop, reload, status).
#ifndef AUDISP_IMDS_INPUT_READ_LOOP_H
#define AUDISP_IMDS_INPUT_READ_LOOP_H

#include <cstddef>
#include <cstdint>

#include "input/audit_feed.h"

namespace imds {

class ReadLoopHooks {
 public:
  enum class Action { kContinue, kStop };
  virtual ~ReadLoopHooks() = default;
  // Called before every wait for input, after every read and whenever the
  // wake fd fires: act on pending reload/status requests here, and return
  // kStop to leave the loop (the feed is then NOT flushed: the caller
  // decides whether to Flush() before exiting).
  virtual Action Poll() = 0;
  // Input has been idle for one poll interval (after AuditFeed::Age()).
  virtual void OnIdle() {}
};

struct ReadLoopOptions {
  size_t chunk_bytes = 64 * 1024;
  int idle_timeout_ms = 100;
  // Optional fd (self-pipe or eventfd) that signal handlers write to, so a
  // signal arriving just before the wait still wakes the loop at once. It is
  // drained (non-blocking) when readable. -1: none.
  int wake_fd = -1;
  // Age events when idle and after every short read (live input: releases
  // events whose EOE has arrived at once). Turning it off is only useful when replaying old
  // records through a slow pipe, where aging (by the wall clock) would
  // close events whose last records are still in flight.
  bool age_when_idle = true;
  // After a read that drained the input, wait this long before the next
  // one, so that auditd's records (it writes each one separately) gather:
  // one wake-up per millisecond instead of one per record. A record read
  // is processed at once; only the next one may wait this long. 0: none.
  int batch_wait_ms = 0;
};

enum class ReadLoopEnd {
  kEndOfInput,     // EOF; the feed was flushed
  kStopRequested,  // hooks said stop; the feed was not flushed
  kReadError,      // read/poll failed; the feed was flushed
};

struct ReadLoopResult {
  ReadLoopEnd end = ReadLoopEnd::kEndOfInput;
  int error = 0;  // errno for kReadError
  uint64_t bytes_read = 0;
};

// Reads `fd` until EOF, a stop request or an error. The fd is switched to
// non-blocking for the duration of the call and restored afterwards.
ReadLoopResult RunReadLoop(int fd, AuditFeed& feed, ReadLoopHooks& hooks,
                           const ReadLoopOptions& options = ReadLoopOptions());

}  // namespace imds

#endif  // AUDISP_IMDS_INPUT_READ_LOOP_H

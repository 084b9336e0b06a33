#include "input/read_loop.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

namespace imds {

namespace {

// Sets O_NONBLOCK for the loop's lifetime; the fd may be shared (a terminal,
// a pipe another process also holds), so its flags are put back.
class NonBlockingScope {
 public:
  explicit NonBlockingScope(int fd) : fd_(fd), old_flags_(fcntl(fd, F_GETFL)) {
    if (old_flags_ >= 0 && (old_flags_ & O_NONBLOCK) == 0) {
      changed_ = fcntl(fd_, F_SETFL, old_flags_ | O_NONBLOCK) == 0;
    }
  }
  ~NonBlockingScope() {
    if (changed_) fcntl(fd_, F_SETFL, old_flags_);
  }
  NonBlockingScope(const NonBlockingScope&) = delete;
  NonBlockingScope& operator=(const NonBlockingScope&) = delete;

 private:
  int fd_;
  int old_flags_;
  bool changed_ = false;
};

void DrainWakeFd(int fd) {
  // One read empties an eventfd; for a self-pipe a short burst of bytes is
  // the usual content. Whatever is left only causes one more wake-up.
  char sink[256];
  ssize_t got;
  do {
    got = read(fd, sink, sizeof(sink));
  } while (got < 0 && errno == EINTR);
}

}  // namespace

ReadLoopResult RunReadLoop(int fd, AuditFeed& feed, ReadLoopHooks& hooks, const ReadLoopOptions& options) {
  ReadLoopResult result;
  NonBlockingScope non_blocking(fd);
  std::vector<char> buffer(std::max<size_t>(options.chunk_bytes, 1));

  auto fail = [&](int error) {
    feed.Flush();
    result.end = ReadLoopEnd::kReadError;
    result.error = error;
    return result;
  };

  int wake_fd = options.wake_fd;
  int idle_ms = 0;  // input silent for this long
  while (true) {
    if (hooks.Poll() == ReadLoopHooks::Action::kStop) {
      result.end = ReadLoopEnd::kStopRequested;
      return result;
    }

    pollfd fds[2] = {{fd, POLLIN, 0}, {wake_fd, POLLIN, 0}};
    const nfds_t count = wake_fd >= 0 ? 2 : 1;
    const int ready = poll(fds, count, options.idle_timeout_ms);
    if (ready < 0) {
      if (errno == EINTR) continue;  // a signal: Poll() looks at its flag
      return fail(errno);
    }
    if (ready == 0) {
      idle_ms += options.idle_timeout_ms;
      if (options.age_when_idle) feed.Age(idle_ms);
      hooks.OnIdle();
      continue;
    }
    if (count == 2 && fds[1].revents != 0) {
      if ((fds[1].revents & POLLIN) != 0) {
        DrainWakeFd(wake_fd);
      } else {
        wake_fd = -1;  // closed or invalid: it would fire forever, so stop watching it
      }
      if (fds[0].revents == 0) continue;
    }
    if ((fds[0].revents & POLLNVAL) != 0) return fail(EBADF);
    if (fds[0].revents == 0) continue;

    // POLLIN, POLLHUP or POLLERR: read() tells which (data, EOF or errno).
    const ssize_t got = read(fd, buffer.data(), buffer.size());
    if (got > 0) {
      result.bytes_read += static_cast<uint64_t>(got);
      feed.Feed(buffer.data(), static_cast<size_t>(got));
      // A short read means the writer has nothing more for now: events
      // that lost their EOE are cut once they are old enough (complete
      // events were delivered as their last record arrived).
      if (static_cast<size_t>(got) < buffer.size()) {
        if (options.age_when_idle) feed.Age(0);
        // Interrupted by a signal, it only ends early: Poll() comes next.
        if (options.batch_wait_ms > 0) poll(nullptr, 0, options.batch_wait_ms);
      }
      idle_ms = 0;
      continue;
    }
    if (got == 0) {
      feed.Flush();
      result.end = ReadLoopEnd::kEndOfInput;
      return result;
    }
    if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
    return fail(errno);
  }
}

}  // namespace imds

#include "output/stream_sink.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace imds {

namespace {

SinkError ErrnoError(const std::string& what, int err) {
  return SinkError{what + ": " + std::system_category().message(err)};
}

int OpenForAppend(const std::string& path) {
  int fd;
  do {
    fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);
  } while (fd < 0 && errno == EINTR);
  return fd;
}

}  // namespace

StreamSink::StreamSink(int fd, AlertFormat format, FormatLimits limits)
    : StreamSink(fd, false, std::string(), format, limits) {}

StreamSink::StreamSink(int fd, bool owned, std::string path, AlertFormat format, FormatLimits limits)
    : fd_(fd), owns_fd_(owned), path_(std::move(path)), format_(format), limits_(limits) {}

std::variant<std::unique_ptr<StreamSink>, SinkError> StreamSink::OpenFile(const std::string& path,
                                                                          AlertFormat format,
                                                                          FormatLimits limits) {
  const int fd = OpenForAppend(path);
  if (fd < 0) return ErrnoError("open " + path, errno);
  return std::unique_ptr<StreamSink>(new StreamSink(fd, true, path, format, limits));
}

StreamSink::~StreamSink() {
  if (owns_fd_ && fd_ >= 0) ::close(fd_);
}

void StreamSink::Deliver(const Alert& alert) {
  std::string line;
  const size_t prefix = partial_line_ ? 1 : 0;  // ends the old fragment
  if (partial_line_) line += '\n';
  line += FormatAlert(alert, format_, limits_);
  line += '\n';
  size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::write(fd_, line.data() + done, line.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      last_error_ = ErrnoError(path_.empty() ? "write fd " + std::to_string(fd_) : "write " + path_, errno);
      // Unterminated text is left on the stream unless exactly the
      // fragment-ending newline went out.
      partial_line_ = done != prefix;
      ++stats_.dropped;
      return;
    }
    done += static_cast<size_t>(n);
  }
  partial_line_ = false;
  ++stats_.sent;
}

std::optional<SinkError> StreamSink::Reopen() {
  if (!owns_fd_) return std::nullopt;
  const int fd = OpenForAppend(path_);
  if (fd < 0) {
    last_error_ = ErrnoError("reopen " + path_, errno);
    return last_error_;
  }
  ::close(fd_);
  fd_ = fd;
  // The new file starts clean even if the old one ended mid-line.
  partial_line_ = false;
  return std::nullopt;
}

}  // namespace imds

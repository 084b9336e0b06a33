#include "app/diagnostics.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <ctime>

#include "output/syslog_sink.h"

namespace imds {

namespace {
constexpr int kFacilityDaemon = 3;
}

Diagnostics::Diagnostics(std::string ident, std::string socket_path, FILE* stderr_stream)
    : ident_(std::move(ident)), socket_path_(std::move(socket_path)), stderr_(stderr_stream) {}

Diagnostics::~Diagnostics() {
  if (fd_ >= 0) close(fd_);
}

void Diagnostics::Retarget(std::string ident, std::string socket_path) {
  ident_ = std::move(ident);
  if (socket_path != socket_path_ && fd_ >= 0) {
    close(fd_);
    fd_ = -1;
  }
  socket_path_ = std::move(socket_path);
}

void Diagnostics::Log(int severity, std::string_view message) {
  // Messages are built by this program, but may quote a value from a file or
  // the command line: keep each one on one line.
  std::string line(message);
  for (char& c : line) {
    if (c == '\n' || c == '\r' || c == '\0') c = ' ';
  }
  if (stderr_ != nullptr) {
    std::fprintf(stderr_, "%s: %s\n", ident_.c_str(), line.c_str());
    std::fflush(stderr_);
  }
  if (socket_path_.empty()) return;
  if (fd_ < 0) {
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return;
    sockaddr_un addr = {};
    addr.sun_family = AF_UNIX;
    if (socket_path_.size() >= sizeof(addr.sun_path) ||
        (std::memcpy(addr.sun_path, socket_path_.c_str(), socket_path_.size() + 1),
         connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0)) {
      close(fd_);
      fd_ = -1;
      return;
    }
  }
  std::time_t now = std::time(nullptr);
  std::tm local = {};
  localtime_r(&now, &local);
  std::string datagram = SyslogHeader(kFacilityDaemon, severity, local, ident_, getpid()) + line;
  if (send(fd_, datagram.data(), datagram.size(), MSG_DONTWAIT | MSG_NOSIGNAL) < 0 && errno != EAGAIN) {
    close(fd_);  // reconnect next time (syslog restarted)
    fd_ = -1;
  }
}

}  // namespace imds

#include "app/signals.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <initializer_list>

namespace imds {

namespace {

volatile sig_atomic_t g_stop = 0;
volatile sig_atomic_t g_reload = 0;
volatile sig_atomic_t g_status = 0;
int g_pipe[2] = {-1, -1};

void OnSignal(int signo) {
  const int saved_errno = errno;
  switch (signo) {
    case SIGTERM:
    case SIGINT:
      g_stop = 1;
      break;
    case SIGHUP:
      g_reload = 1;
      break;
    case SIGUSR1:
      g_status = 1;
      break;
    default:
      break;
  }
  if (g_pipe[1] >= 0) {
    const char byte = 1;
    // A full pipe already guarantees a wake-up: the result does not matter.
    [[maybe_unused]] ssize_t n = write(g_pipe[1], &byte, 1);
  }
  errno = saved_errno;
}

bool Take(volatile sig_atomic_t& flag) {
  if (flag == 0) return false;
  flag = 0;
  return true;
}

}  // namespace

SignalRequests::SignalRequests() {
  if (pipe2(g_pipe, O_NONBLOCK | O_CLOEXEC) != 0) g_pipe[0] = g_pipe[1] = -1;
  struct sigaction sa = {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  // No SA_RESTART: poll() and read() return EINTR so the loop looks at the
  // flags promptly.
  sa.sa_flags = 0;
  for (int signo : {SIGTERM, SIGINT, SIGHUP, SIGUSR1}) sigaction(signo, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

SignalRequests::~SignalRequests() {
  for (int signo : {SIGTERM, SIGINT, SIGHUP, SIGUSR1}) signal(signo, SIG_DFL);
  for (int& fd : g_pipe) {
    if (fd >= 0) close(fd);
    fd = -1;
  }
}

int SignalRequests::wake_fd() const { return g_pipe[0]; }
bool SignalRequests::TakeStop() { return Take(g_stop); }
bool SignalRequests::TakeReload() { return Take(g_reload); }
bool SignalRequests::TakeStatus() { return Take(g_status); }

}  // namespace imds

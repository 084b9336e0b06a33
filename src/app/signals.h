// Signal requests (SIGHUP reload, SIGTERM/SIGINT stop, SIGUSR1 status).
//
// Signals are process-wide, so the flags the handlers set are the program's
// one piece of global state; everything else reads them only through this
// class. Handlers also write a byte to a self-pipe so that the read loop,
// waiting in poll(), wakes at once instead of at its next timeout.
#ifndef AUDISP_IMDS_APP_SIGNALS_H
#define AUDISP_IMDS_APP_SIGNALS_H

namespace imds {

class SignalRequests {
 public:
  // Installs the handlers (and ignores SIGPIPE: a closed stdout or syslog
  // socket must be an error value, not death). Only one instance may be
  // installed at a time.
  SignalRequests();
  ~SignalRequests();
  SignalRequests(const SignalRequests&) = delete;
  SignalRequests& operator=(const SignalRequests&) = delete;

  int wake_fd() const;  // readable after any handled signal
  bool TakeStop();
  bool TakeReload();
  bool TakeStatus();
};

}  // namespace imds

#endif  // AUDISP_IMDS_APP_SIGNALS_H

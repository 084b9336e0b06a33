// The plugin's own messages (start, reload, errors, status): to stderr and,
// under auditd where stderr goes nowhere useful, to syslog as daemon.*.
// Sending is non-blocking and best effort: a diagnostic must never stall the
// event loop any more than an alert may.
#ifndef AUDISP_IMDS_APP_DIAGNOSTICS_H
#define AUDISP_IMDS_APP_DIAGNOSTICS_H

#include <cstdio>
#include <string>
#include <string_view>

namespace imds {

class Diagnostics {
 public:
  // socket_path empty: stderr only.
  Diagnostics(std::string ident, std::string socket_path, FILE* stderr_stream);
  ~Diagnostics();
  Diagnostics(const Diagnostics&) = delete;
  Diagnostics& operator=(const Diagnostics&) = delete;

  void Info(std::string_view message) { Log(6, message); }
  void Warning(std::string_view message) { Log(4, message); }
  void Error(std::string_view message) { Log(3, message); }
  void Retarget(std::string ident, std::string socket_path);

 private:
  void Log(int severity, std::string_view message);

  std::string ident_;
  std::string socket_path_;
  FILE* stderr_;
  int fd_ = -1;
};

}  // namespace imds

#endif  // AUDISP_IMDS_APP_DIAGNOSTICS_H

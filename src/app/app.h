// The program: command line → setup → read loop, with SIGHUP reload,
// SIGTERM/SIGINT stop and SIGUSR1 status. main() only calls RunAudispImds.
#ifndef AUDISP_IMDS_APP_APP_H
#define AUDISP_IMDS_APP_APP_H

namespace imds {

// Exit status: 0 normal end, 1 configuration/rule/input error, 2 usage.
int RunAudispImds(int argc, const char* const argv[]);

}  // namespace imds

#endif  // AUDISP_IMDS_APP_APP_H

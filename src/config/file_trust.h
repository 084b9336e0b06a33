// The plugin runs as root and its configuration and rules decide what is
// reported: a file that another user can write would let that user silence
// the detection. Such files are refused, with the fix in the message.
#ifndef AUDISP_IMDS_CONFIG_FILE_TRUST_H
#define AUDISP_IMDS_CONFIG_FILE_TRUST_H

#include <optional>
#include <string>
#include <sys/types.h>

namespace imds {

// nullopt when `path` (a file or directory) is owned by root or by
// `trusted_uid`, and not writable by its group (unless the group is root's)
// or by others. Otherwise "PATH: <what> (fix: <command>)". A path that does
// not exist is not judged here (the loader reports it).
std::optional<std::string> CheckTrustedPath(const std::string& path, uid_t trusted_uid);

}  // namespace imds

#endif  // AUDISP_IMDS_CONFIG_FILE_TRUST_H

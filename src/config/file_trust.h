// The plugin runs as root and its configuration and rules decide what is
// reported: a file that another user can write — or replace, through a
// directory on its path that they can write — would let that user silence
// the detection. Such files are refused, with the fix in the message.
#ifndef AUDISP_IMDS_CONFIG_FILE_TRUST_H
#define AUDISP_IMDS_CONFIG_FILE_TRUST_H

#include <sys/stat.h>
#include <sys/types.h>

#include <cstddef>
#include <optional>
#include <string>
#include <variant>

namespace imds {

// nullopt when `path` (a file or directory) is owned by root or by
// `trusted_uid`, and not writable by its group (unless the group is root's)
// or by others, and no directory above it (of the path as given and of the
// path with its symbolic links resolved) is writable by others or by a
// non-root group without the sticky bit (a writer could rename another
// file into its place). Otherwise "PATH: <what> (fix: <command>)". A path
// that does not exist is not judged here (the loader reports it).
// Directories owned by another user are not refused (see docs/security.md,
// T8): only what users other than their owner can do is judged.
std::optional<std::string> CheckTrustedPath(const std::string& path, uid_t trusted_uid);

// The same judgement of one stat result, for a file already opened.
std::optional<std::string> CheckTrustedStat(const std::string& path, const struct stat& st, uid_t trusted_uid);

struct UntrustedFile {
  std::string message;
  // errno of a failed open() (absent, no permission): the caller words that
  // for its kind of file, as its loader does; 0 for every other refusal.
  int open_error = 0;
};

// Opens `path`, judges the opened file (fstat) and its directories as
// CheckTrustedPath does, and returns its contents: the bytes read are those
// of the file judged, whatever happens to the path meanwhile. Refuses
// anything but a regular file, and files over `max_bytes`.
std::variant<std::string, UntrustedFile> ReadTrustedFile(const std::string& path, uid_t trusted_uid,
                                                         size_t max_bytes);

}  // namespace imds

#endif  // AUDISP_IMDS_CONFIG_FILE_TRUST_H

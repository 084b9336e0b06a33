#include "config/file_trust.h"

#include <sys/stat.h>

namespace imds {

std::optional<std::string> CheckTrustedPath(const std::string& path, uid_t trusted_uid) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return std::nullopt;
  if (st.st_uid != 0 && st.st_uid != trusted_uid) {
    return path + ": owned by uid " + std::to_string(st.st_uid) +
           ", which could change what audisp-imds detects (fix: chown root " + path + ")";
  }
  if ((st.st_mode & S_IWOTH) != 0) {
    return path + ": writable by every user, who could change what audisp-imds detects (fix: chmod o-w " +
           path + ")";
  }
  if ((st.st_mode & S_IWGRP) != 0 && st.st_gid != 0) {
    return path + ": writable by group " + std::to_string(st.st_gid) +
           ", whose members could change what audisp-imds detects (fix: chmod g-w " + path + ")";
  }
  return std::nullopt;
}

}  // namespace imds

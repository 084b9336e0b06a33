#include "config/file_trust.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

namespace imds {

namespace {

// Why a directory lets others replace what is inside it, or nullopt.
std::optional<std::string> CheckDirectory(const std::string& path, const std::filesystem::path& dir) {
  struct stat st;
  if (stat(dir.c_str(), &st) != 0) return std::nullopt;  // judged by whoever opens it
  if ((st.st_mode & S_ISVTX) != 0) return std::nullopt;    // sticky (/tmp): only owners rename
  const std::string d = dir.string();
  if ((st.st_mode & S_IWOTH) != 0) {
    return path + ": the directory " + d + " is writable by every user, who could replace the file (fix: chmod o-w " +
           d + ", or move the file)";
  }
  if ((st.st_mode & S_IWGRP) != 0 && st.st_gid != 0) {
    return path + ": the directory " + d + " is writable by group " + std::to_string(st.st_gid) +
           ", whose members could replace the file (fix: chmod g-w " + d + ", or move the file)";
  }
  return std::nullopt;
}

// Every directory above `path`, as given (made absolute) and resolved.
std::optional<std::string> CheckDirectoriesAbove(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<fs::path> chains;
  const fs::path given = fs::absolute(path, ec);
  if (!ec) chains.push_back(given.lexically_normal());
  const fs::path resolved = fs::canonical(path, ec);
  if (!ec && (chains.empty() || resolved != chains.front())) chains.push_back(resolved);
  for (const fs::path& chain : chains) {
    for (fs::path dir = chain.parent_path(); !dir.empty(); dir = dir.parent_path()) {
      if (auto problem = CheckDirectory(path, dir)) return problem;
      if (dir == dir.root_path()) break;
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> CheckTrustedStat(const std::string& path, const struct stat& st, uid_t trusted_uid) {
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

std::optional<std::string> CheckTrustedPath(const std::string& path, uid_t trusted_uid) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return std::nullopt;
  if (auto problem = CheckTrustedStat(path, st, trusted_uid)) return problem;
  return CheckDirectoriesAbove(path);
}

std::variant<std::string, UntrustedFile> ReadTrustedFile(const std::string& path, uid_t trusted_uid,
                                                         size_t max_bytes) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) {
    const int error = errno;
    return UntrustedFile{path + ": cannot open: " + std::strerror(error), error};
  }
  struct Closer {
    int fd;
    ~Closer() { close(fd); }
  } closer{fd};
  struct stat st;
  if (fstat(fd, &st) != 0) return UntrustedFile{path + ": cannot stat: " + std::strerror(errno)};
  if (!S_ISREG(st.st_mode)) return UntrustedFile{path + ": not a regular file (give the path of a file)"};
  if (auto problem = CheckTrustedStat(path, st, trusted_uid)) return UntrustedFile{*problem};
  if (auto problem = CheckDirectoriesAbove(path)) return UntrustedFile{*problem};
  std::string text;
  char buffer[16384];
  while (true) {
    const ssize_t n = read(fd, buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      return UntrustedFile{path + ": cannot read: " + std::strerror(errno)};
    }
    if (n == 0) break;
    text.append(buffer, static_cast<size_t>(n));
    if (text.size() > max_bytes) {
      return UntrustedFile{path + ": larger than " + std::to_string(max_bytes) + " bytes (is this the right file?)"};
    }
  }
  return text;
}

}  // namespace imds

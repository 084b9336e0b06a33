#include "event/exec_image.h"

#include "event/ecs_event.h"

namespace imds {

namespace {

// The kernel's comm: the base name cut to TASK_COMM_LEN - 1 bytes.
constexpr size_t kCommBytes = 15;

std::string_view BaseNameView(std::string_view path) {
  const size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

}  // namespace

std::string NormalizePath(std::string_view path, std::string_view cwd) {
  const bool absolute = !path.empty() && path.front() == '/';
  const bool anchored = absolute || (!cwd.empty() && cwd.front() == '/');
  std::vector<std::string_view> parts;
  int leading_ups = 0;  // ".." that climb above a relative path's start
  auto take = [&](std::string_view text) {
    size_t at = 0;
    while (at <= text.size()) {
      const size_t end = std::min(text.find('/', at), text.size());
      const std::string_view part = text.substr(at, end - at);
      at = end + 1;
      if (part.empty() || part == ".") continue;
      if (part == "..") {
        if (!parts.empty()) {
          parts.pop_back();
        } else if (!anchored) {
          ++leading_ups;  // the root's ".." is the root; a relative one is kept
        }
        continue;
      }
      parts.push_back(part);
    }
  };
  if (!absolute && anchored) take(cwd);
  take(path);
  std::string out;
  if (anchored) {
    for (std::string_view part : parts) {
      out += '/';
      out.append(part.data(), part.size());
    }
    return out.empty() ? "/" : out;
  }
  for (int i = 0; i < leading_ups; ++i) out += out.empty() ? ".." : "/..";
  for (std::string_view part : parts) {
    if (!out.empty()) out += '/';
    out.append(part.data(), part.size());
  }
  return out.empty() ? "." : out;
}

ExecImage ImageFromExecRecords(std::string_view exe, const std::optional<std::string>& path0,
                               const std::optional<std::string>& path1,
                               const std::vector<std::string>& execve_args,
                               const std::optional<std::string>& cwd) {
  ExecImage image;
  const bool have_path0 = path0 && !path0->empty();
  const std::string_view cwd_text = cwd ? std::string_view(*cwd) : std::string_view();
  const bool is_script = have_path0 && path1 && !path1->empty() && !execve_args.empty() &&
                         execve_args[0] == *path1 &&
                         ((execve_args.size() >= 2 && execve_args[1] == *path0) ||
                          (execve_args.size() >= 3 && execve_args[2] == *path0));
  if (is_script) {
    image.executable = NormalizePath(*path0, cwd_text);
    if (!exe.empty() && exe != image.executable) image.interpreter = std::string(exe);
  } else if (!exe.empty()) {
    image.executable = std::string(exe);
  } else if (have_path0) {
    image.executable = NormalizePath(*path0, cwd_text);
  }
  if (have_path0 && path0->front() != '/' && *path0 != image.executable) image.relative_spelling = *path0;
  return image;
}

std::optional<std::string> ScriptCandidateFromProc(std::string_view exe, const std::vector<std::string>& args,
                                                   std::string_view comm, std::string_view cwd) {
  if (comm.empty() || args.size() < 2) return std::nullopt;
  auto comm_of = [](std::string_view path) { return BaseNameView(path).substr(0, kCommBytes); };
  if (comm_of(exe) == comm) return std::nullopt;  // comm names the interpreter: not a script
  for (size_t i = 1; i <= 2 && i < args.size(); ++i) {
    if (!args[i].empty() && args[i].front() != '-' && comm_of(args[i]) == comm) {
      return NormalizePath(args[i], cwd);
    }
  }
  return std::nullopt;
}

}  // namespace imds

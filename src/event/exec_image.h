// What Elastic Defend reports as a process's program image, worked out from
// what the kernel tells (semantics.md, "Fields"): the canonical path of the
// program that was executed, the spelling as typed when it was relative,
// and, for a `#!` script, the interpreter the kernel really ran.
#ifndef AUDISP_IMDS_EVENT_EXEC_IMAGE_H
#define AUDISP_IMDS_EVENT_EXEC_IMAGE_H

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imds {

struct ExecImage {
  // process.executable: exe= for a binary; for a script, the script's path
  // made absolute against the working directory and normalized.
  std::string executable;
  // The path handed to execve, as typed, when it was relative ("./x",
  // "bin/x"): a second process.executable value so that "./*" can see it.
  // An absolute spelling never is (exclusions must not match a spelling an
  // attacker chose).
  std::optional<std::string> relative_spelling;
  // The kernel's exe= of a `#!` script: the interpreter (not ECS).
  std::optional<std::string> interpreter;
};

// Lexical normalization: `path` made absolute against `cwd` when relative
// (and `cwd` is absolute), then ".", ".." and repeated "/" resolved without
// looking at the file system (symlinks are not followed). A relative path
// with no usable `cwd` stays relative, normalized.
std::string NormalizePath(std::string_view path, std::string_view cwd);

// From one exec event's records. `exe`: the SYSCALL exe= (empty if absent);
// `path0`, `path1`: names of PATH items 0 and 1 (the file handed to execve;
// then a script's interpreter or a binary's ELF loader); `execve_args`:
// decoded EXECVE arguments (empty without an EXECVE record); `cwd`: CWD.
//
// A `#!` exec is recognised by what binfmt_script does to the arguments:
// the kernel opens the interpreter named on the `#!` line (PATH item 1),
// makes it argv[0] and inserts the script's path exactly as handed to
// execve (PATH item 0) after it, or after the `#!` line's one optional
// argument. A binary's item 1 is its ELF loader, which is never argv[0]
// unless the caller chose it to be; even then the result names the path
// that was really handed to execve.
ExecImage ImageFromExecRecords(std::string_view exe, const std::optional<std::string>& path0,
                               const std::optional<std::string>& path1,
                               const std::vector<std::string>& execve_args,
                               const std::optional<std::string>& cwd);

// The script a running process executes, from /proc: its exe (the
// interpreter), its argument list, its comm and its cwd. binfmt_script
// leaves comm as the script's base name (at most 15 bytes) and the script's
// path as argv[1] or argv[2]. Returns that path normalized, when one
// candidate's base name gives comm and comm is not the interpreter's.
// The caller still checks that the file starts with "#!".
std::optional<std::string> ScriptCandidateFromProc(std::string_view exe, const std::vector<std::string>& args,
                                                   std::string_view comm, std::string_view cwd);

}  // namespace imds

#endif  // AUDISP_IMDS_EVENT_EXEC_IMAGE_H

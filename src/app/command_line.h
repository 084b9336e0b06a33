// The command line, parsed with Boost.Program_options into a plain value.
#ifndef AUDISP_IMDS_APP_COMMAND_LINE_H
#define AUDISP_IMDS_APP_COMMAND_LINE_H

#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace imds {

struct CommandLine {
  std::optional<std::string> config_path;  // --config
  std::vector<std::string> rule_paths;     // --rule (repeatable)
  std::string input = "-";                 // --input, "-" = stdin
  std::optional<std::string> output;       // --output syslog|stdout|FILE
  bool check_config = false;
  bool show_version = false;
  bool show_help = false;
  // Reading a file is a replay: /proc is never consulted and the same input
  // always gives the same alerts. --replay forces that for stdin too.
  bool replay = false;
  std::string help_text;  // filled for --help and usage errors
};

struct CommandLineError {
  std::string message;
  std::string help_text;
};

std::variant<CommandLine, CommandLineError> ParseCommandLine(int argc, const char* const argv[]);

}  // namespace imds

#endif  // AUDISP_IMDS_APP_COMMAND_LINE_H

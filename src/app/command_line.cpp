#include "app/command_line.h"

#include <boost/program_options.hpp>
#include <sstream>

namespace imds {

namespace po = boost::program_options;

std::variant<CommandLine, CommandLineError> ParseCommandLine(int argc, const char* const argv[]) {
  CommandLine cl;
  po::options_description desc(
      "Usage: audisp-imds [OPTION]...\n"
      "auditd plugin: detects unusual Instance Metadata Service (IMDS) requests\n"
      "(Elastic rule ecc0cd54-608e-11ef-ab6d-f661ea17fbce) in the audit stream.\n\n"
      "Options");
  std::string output;
  std::string config;
  desc.add_options()
      ("config,c", po::value<std::string>(&config)->value_name("FILE"),
       "TOML configuration (installed as /etc/audit/audisp-imds.toml)")
      ("rule,r", po::value<std::vector<std::string>>(&cl.rule_paths)->value_name("FILE"),
       "rule file in Elastic's detection-rules TOML layout; repeatable; replaces the configured rules")
      ("input,i", po::value<std::string>(&cl.input)->value_name("FILE|-")->default_value("-"),
       "audit records to read: a capture file (replay), or - for stdin (live, as under auditd)")
      ("output,o", po::value<std::string>(&output)->value_name("syslog|stdout|FILE"),
       "where alerts go: syslog, stdout (JSON lines) or a file (JSON lines, appended)")
      ("replay", po::bool_switch(&cl.replay),
       "treat stdin as a recorded capture: never read /proc")
      ("check-config", po::bool_switch(&cl.check_config),
       "load and compile the configuration and rules, print what would run, and exit")
      ("version,V", po::bool_switch(&cl.show_version), "print the version and exit")
      ("help,h", po::bool_switch(&cl.show_help), "print this help and exit");
  std::ostringstream help;
  help << desc;
  cl.help_text = help.str();
  try {
    po::variables_map vm;
    po::store(po::command_line_parser(argc, argv).options(desc).run(), vm);
    po::notify(vm);
    if (vm.count("config")) cl.config_path = config;
    if (vm.count("output")) {
      if (output.empty()) return CommandLineError{"--output needs syslog, stdout or a file path", cl.help_text};
      cl.output = output;
    }
    if (cl.input.empty()) return CommandLineError{"--input needs a file path or -", cl.help_text};
    if (cl.input != "-") cl.replay = true;
  } catch (const po::error& e) {
    return CommandLineError{e.what(), cl.help_text};
  }
  return cl;
}

}  // namespace imds

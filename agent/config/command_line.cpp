#include "agent/config/command_line.h"

#include <ostream>

#include "common/text.h"

namespace mamori::agent {

namespace po = boost::program_options;

void AddCommonOptions(po::options_description* desc) {
  desc->add_options()                                              //
      ("config", po::value<std::string>(), "config file")          //
      ("state", po::value<std::string>(), "state directory")       //
      ("root", po::value<std::string>(), "collect under DIR")      //
      ("family", po::value<std::vector<std::string>>(), "family")  //
      ("log-level", po::value<std::string>(), "log level");
}

Result<po::variables_map> ParseCommandLine(
    const std::vector<std::string>& args, const po::options_description& desc) {
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args)
                  .options(desc)
                  .style(po::command_line_style::default_style &
                         ~po::command_line_style::allow_guessing)
                  .run(),
              vm);
    po::notify(vm);
  } catch (const po::error& e) {
    return InvalidArgumentError(SanitizeUtf8(e.what()));
  }
  return vm;
}

Result<AgentConfig> ResolveConfig(const po::variables_map& vm) {
  const bool named = vm.count("config") != 0;
  const std::string path =
      named ? vm["config"].as<std::string>() : kDefaultConfigPath;
  Result<AgentConfig> loaded = LoadAgentConfig(path, named);
  if (!loaded.ok()) return loaded.status();
  AgentConfig config = *loaded;
  if (vm.count("state")) {
    config.state_dir = vm["state"].as<std::string>();
    if (config.state_dir.empty()) {
      return InvalidArgumentError("--state needs a directory");
    }
  }
  if (vm.count("root")) {
    config.root = vm["root"].as<std::string>();
    if (config.root.empty()) {
      return InvalidArgumentError("--root needs a directory");
    }
  }
  if (vm.count("family")) {
    config.families = vm["family"].as<std::vector<std::string>>();
  }
  if (vm.count("log-level")) {
    const std::string level = vm["log-level"].as<std::string>();
    if (level != "debug" && level != "info" && level != "warning" &&
        level != "error") {
      return InvalidArgumentError(
          "--log-level must be debug, info, warning or error, not '" +
          SanitizeUtf8(level) + "'");
    }
    config.log_level = level;
  }
  return config;
}

std::optional<ParsedCommand> ParseAgentCommand(
    std::string_view command, const std::vector<std::string>& args,
    po::options_description desc, std::string_view usage, std::ostream& out,
    std::ostream& err, int* exit_code) {
  AddCommonOptions(&desc);
  desc.add_options()("help,h", "");
  const std::string prefix = "mamori-agent " + std::string(command) + ": ";
  Result<po::variables_map> vm = ParseCommandLine(args, desc);
  if (!vm.ok()) {
    err << prefix << vm.status().message() << "\n\n" << usage;
    *exit_code = kExitUsage;
    return std::nullopt;
  }
  if (vm->count("help")) {
    out << usage;
    *exit_code = 0;
    return std::nullopt;
  }
  Result<AgentConfig> config = ResolveConfig(*vm);
  if (!config.ok()) {
    err << prefix << config.status().message() << "\n";
    *exit_code = kExitUsage;
    return std::nullopt;
  }
  return ParsedCommand{std::move(*vm), std::move(*config)};
}

}  // namespace mamori::agent

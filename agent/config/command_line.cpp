#include "agent/config/command_line.h"

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

}  // namespace mamori::agent

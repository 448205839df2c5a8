#include "collector/cli/cmd_answers.h"

#include "collector/cli/cli_common.h"
#include "collector/cli/cmd_grade.h"
#include "common/text.h"

namespace mamori::collector_cli {

namespace po = boost::program_options;

int RunAnswers(const std::vector<std::string>& args, std::ostream& out,
               std::ostream& err) {
  constexpr std::string_view kCommand = "answers";
  po::options_description options("Options");
  std::string data_dir, org, action, file, by, policies, store_url;
  options.add_options()(
      "data", po::value(&data_dir)->default_value(kDefaultDataDir),
      "data directory")("org", po::value(&org), "organisation (required)")(
      "by", po::value(&by),
      "who answered (default: answered_by in the file, else $USER)")(
      "policies", po::value(&policies),
      "directory of custom policy files (default DIR/policies)")(
      "action", po::value(&action), "import or export")(
      "file", po::value(&file), "answer file (.yaml/.yml or .json)");
  AddStoreFlag(options, &store_url);
  po::positional_options_description positional;
  positional.add("action", 1).add("file", 1);
  po::variables_map vm;
  if (std::optional<int> exit =
          ParseFlags(kCommand,
                     "import|export --org NAME FILE  (YAML, or JSON when FILE "
                     "ends in .json)",
                     options, positional, args, vm, out, err)) {
    return *exit;
  }
  if (action != "import" && action != "export") {
    return UsageError(kCommand,
                      "expected import or export, got '" + action + "'", err);
  }
  if (org.empty()) return UsageError(kCommand, "--org is required", err);
  if (file.empty()) return UsageError(kCommand, "FILE is required", err);
  const bool json = EndsWith(ToLowerAscii(file), ".json");
  if (!json && !EndsWith(ToLowerAscii(file), ".yaml") &&
      !EndsWith(ToLowerAscii(file), ".yml")) {
    return UsageError(
        kCommand, "FILE must end in .yaml, .yml or .json: '" + file + "'", err);
  }
  auto service = OpenGradingService(data_dir, policies, store_url);
  if (!service.ok()) return Failure(kCommand, service.status(), err);
  if (action == "export") {
    auto text = (*service)->ExportAnswers(
        org, json ? policy::AnswerFormat::kJson : policy::AnswerFormat::kYaml);
    if (!text.ok()) return Failure(kCommand, text.status(), err);
    if (Status s = WriteFileAtomic(file, *text, 0600); !s.ok()) {
      return Failure(kCommand, s, err);
    }
    out << "exported answers of " << org << " to " << file << "\n";
    return kExitOk;
  }
  auto text = ReadFile(file, 1 << 20);
  if (!text.ok()) return Failure(kCommand, text.status(), err);
  if (by.empty()) by = DefaultActor();
  if (Status s = (*service)->ImportAnswers(org, {file, *text}, by); !s.ok()) {
    return Failure(kCommand, s, err);
  }
  out << "imported answers for " << org << " from " << file << "\n";
  return kExitOk;
}

}  // namespace mamori::collector_cli

#include "collector/cli/cmd_org.h"

#include <iomanip>
#include <nlohmann/json.hpp>

#include "collector/cli/cli_common.h"
#include "collector/cli/cmd_hosts_revoke.h"

namespace mamori::collector_cli {
namespace {

namespace po = boost::program_options;

int Create(const std::vector<std::string>& args, std::ostream& out,
           std::ostream& err) {
  constexpr std::string_view kCommand = "org create";
  po::options_description options("Options");
  std::string data_dir;
  std::string name;
  std::string industry;
  std::string region;
  int64_t employees = -1;
  options.add_options()(
      "data", po::value(&data_dir)->default_value(kDefaultDataDir),
      "data directory")("name", po::value(&name), "organisation name")(
      "industry", po::value(&industry), "industry code (for peer comparison)")(
      "employees", po::value(&employees), "number of employees")(
      "region", po::value(&region), "region (prefecture)");
  po::positional_options_description positional;
  positional.add("name", 1);
  std::string store_url;
  AddStoreFlag(options, &store_url);
  po::variables_map vm;
  if (std::optional<int> exit = ParseFlags(
          kCommand,
          "NAME [--industry CODE] [--employees N] [--region NAME] [--data DIR]",
          options, positional, args, vm, out, err)) {
    return *exit;
  }
  if (name.empty())
    return UsageError(kCommand, "the organisation NAME is missing", err);
  if (vm.count("employees") != 0 && employees < 0) {
    return UsageError(kCommand, "--employees: must be 0 or more", err);
  }
  Result<std::unique_ptr<store::Store>> store =
      OpenStore(DataPaths::For(data_dir, store_url), SystemClock::Instance());
  if (!store.ok()) return Failure(kCommand, store.status(), err);
  store::OrgSpec spec{name, industry, std::nullopt, region};
  if (vm.count("employees") != 0) spec.employees = employees;
  Result<store::Organization> org = (*store)->CreateOrg(spec);
  if (!org.ok()) return Failure(kCommand, org.status(), err);
  out << "Created organisation '" << org->name << "' (id " << org->id
      << ") / 組織を作成しました\n";
  return kExitOk;
}

int List(const std::vector<std::string>& args, std::ostream& out,
         std::ostream& err) {
  constexpr std::string_view kCommand = "org list";
  po::options_description options("Options");
  std::string data_dir;
  std::string format;
  options.add_options()("data",
                        po::value(&data_dir)->default_value(kDefaultDataDir),
                        "data directory")(
      "format", po::value(&format)->default_value("text"), "text or json");
  std::string store_url;
  AddStoreFlag(options, &store_url);
  po::variables_map vm;
  if (std::optional<int> exit = ParseFlags(kCommand, "[--format text|json]",
                                           options, {}, args, vm, out, err)) {
    return *exit;
  }
  if (format != "text" && format != "json") {
    return UsageError(
        kCommand, "--format: expected text or json, got '" + format + "'", err);
  }
  Result<std::unique_ptr<store::Store>> store =
      OpenStore(DataPaths::For(data_dir, store_url), SystemClock::Instance());
  if (!store.ok()) return Failure(kCommand, store.status(), err);
  Result<std::vector<store::Organization>> orgs = (*store)->ListOrgs();
  if (!orgs.ok()) return Failure(kCommand, orgs.status(), err);
  if (format == "json") {
    nlohmann::json list = nlohmann::json::array();
    for (const store::Organization& o : *orgs) {
      list.push_back(
          {{"id", o.id},
           {"name", o.name},
           {"industry", o.industry},
           {"employees", o.employees.has_value() ? nlohmann::json(*o.employees)
                                                 : nlohmann::json(nullptr)},
           {"region", o.region},
           {"hosts", o.host_count},
           {"created_at", FormatTime(o.created_at)}});
    }
    out << list.dump(2) << "\n";
    return kExitOk;
  }
  out << "Organisations / 組織 (" << orgs->size() << ")\n";
  out << std::left << std::setw(5) << "ID" << std::setw(24) << "NAME"
      << std::setw(10) << "INDUSTRY" << std::setw(10) << "EMPLOYEES"
      << std::setw(12) << "REGION"
      << "HOSTS\n";
  for (const store::Organization& o : *orgs) {
    out << std::left << std::setw(5) << o.id << std::setw(24) << o.name
        << std::setw(10) << (o.industry.empty() ? "-" : o.industry)
        << std::setw(10)
        << (o.employees.has_value() ? std::to_string(*o.employees) : "-")
        << std::setw(12) << (o.region.empty() ? "-" : o.region) << o.host_count
        << "\n";
  }
  return kExitOk;
}

}  // namespace

int RunOrg(const std::vector<std::string>& args, std::ostream& out,
           std::ostream& err) {
  const std::vector<std::string> rest =
      args.empty() ? args
                   : std::vector<std::string>(args.begin() + 1, args.end());
  if (!args.empty() && args[0] == "create") return Create(rest, out, err);
  if (!args.empty() && args[0] == "list") return List(rest, out, err);
  if (!args.empty() && args[0] == "retention") {
    return RunOrgRetention(rest, out, err);
  }
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
    out << "Usage: mamori-collector org create NAME [--industry CODE] "
           "[--employees N] [--region NAME]\n"
           "       mamori-collector org list [--format text|json]\n"
           "       mamori-collector org retention --org NAME [--days N]\n";
    return kExitOk;
  }
  return UsageError("org",
                    args.empty()
                        ? "missing subcommand (create, list or retention)"
                        : "unknown subcommand '" + args[0] +
                              "' (expected create, list or retention)",
                    err);
}

}  // namespace mamori::collector_cli

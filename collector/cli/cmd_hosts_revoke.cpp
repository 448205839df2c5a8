#include "collector/cli/cmd_hosts_revoke.h"

#include "collector/cli/cli_common.h"
#include "common/text.h"

namespace mamori::collector_cli {

namespace po = boost::program_options;

int RunHostsRevoke(const std::vector<std::string>& args, std::ostream& out,
                   std::ostream& err) {
  constexpr std::string_view kCommand = "hosts revoke";
  po::options_description options("Options");
  std::string data_dir;
  std::string org;
  std::string host;
  options.add_options()(
      "data", po::value(&data_dir)->default_value(kDefaultDataDir),
      "data directory")("org", po::value(&org), "organisation (required)")(
      "host", po::value(&host), "host id (see hosts --org NAME)");
  po::positional_options_description positional;
  positional.add("host", 1);
  std::string store_url;
  AddStoreFlag(options, &store_url);
  po::variables_map vm;
  if (std::optional<int> exit =
          ParseFlags(kCommand, "--org NAME ID [--data DIR]", options,
                     positional, args, vm, out, err)) {
    return *exit;
  }
  if (org.empty()) return UsageError(kCommand, "--org is required", err);
  std::optional<int64_t> host_id = ParseInt64(host);
  if (!host_id.has_value() || *host_id <= 0) {
    return UsageError(kCommand,
                      "give the host ID, a positive number (see hosts --org "
                      "NAME), got '" +
                          host + "'",
                      err);
  }
  Result<std::unique_ptr<store::Store>> store =
      OpenStore(DataPaths::For(data_dir, store_url), SystemClock::Instance());
  if (!store.ok()) return Failure(kCommand, store.status(), err);
  if (Status s = (*store)->RevokeHost(org, *host_id); !s.ok()) {
    return Failure(kCommand, s, err);
  }
  out << "Revoked host " << *host_id << " of '" << org
      << "': its node key and client certificate are refused from now on; "
         "it can report again only after enrolling with a new token.\n"
         "ホスト "
      << *host_id
      << " の鍵と証明書を無効にしました。新しいトークンで再登録するまで"
         "報告は拒否されます。\n";
  return kExitOk;
}

int RunOrgRetention(const std::vector<std::string>& args, std::ostream& out,
                    std::ostream& err) {
  constexpr std::string_view kCommand = "org retention";
  po::options_description options("Options");
  std::string data_dir;
  std::string org;
  int days = 0;
  options.add_options()(
      "data", po::value(&data_dir)->default_value(kDefaultDataDir),
      "data directory")("org", po::value(&org), "organisation (required)")(
      "days", po::value(&days),
      "days of history to keep, 1 to 36500 (omit to show the setting)");
  std::string store_url;
  AddStoreFlag(options, &store_url);
  po::variables_map vm;
  if (std::optional<int> exit =
          ParseFlags(kCommand, "--org NAME [--days N] [--data DIR]", options,
                     {}, args, vm, out, err)) {
    return *exit;
  }
  if (org.empty()) return UsageError(kCommand, "--org is required", err);
  if (vm.count("days") != 0 && (days < 1 || days > 36500)) {
    return UsageError(kCommand, "--days: must be 1 to 36500", err);
  }
  Result<std::unique_ptr<store::Store>> store =
      OpenStore(DataPaths::For(data_dir, store_url), SystemClock::Instance());
  if (!store.ok()) return Failure(kCommand, store.status(), err);
  if (vm.count("days") != 0) {
    if (Status s = (*store)->SetHistoryRetention(org, days); !s.ok()) {
      return Failure(kCommand, s, err);
    }
  }
  Result<int> kept = (*store)->HistoryRetention(org);
  if (!kept.ok()) return Failure(kCommand, kept.status(), err);
  out << "'" << org << "' keeps " << *kept
      << " days of history (older rows are pruned by serve hourly) / 履歴の"
         "保存期間: "
      << *kept << " 日\n";
  return kExitOk;
}

}  // namespace mamori::collector_cli

#include "collector/cli/cmd_token.h"

#include <iomanip>
#include <nlohmann/json.hpp>

#include "collector/cli/cli_common.h"
#include "collector/pki/ca.h"
#include "common/text.h"

namespace mamori::collector_cli {
namespace {

namespace po = boost::program_options;

std::string TokenState(const store::TokenInfo& t, TimePoint now) {
  if (t.revoked_at.has_value()) return "revoked";
  if (t.expires_at.has_value() && now >= *t.expires_at) return "expired";
  if (t.uses_left.has_value() && *t.uses_left <= 0) return "used-up";
  return "active";
}

int Create(const std::vector<std::string>& args, std::ostream& out,
           std::ostream& err) {
  constexpr std::string_view kCommand = "token create";
  po::options_description options("Options");
  std::string data_dir;
  std::string org;
  std::string expires;
  int64_t uses = 0;
  options.add_options()(
      "data", po::value(&data_dir)->default_value(kDefaultDataDir),
      "data directory")("org", po::value(&org), "organisation (required)")(
      "expires", po::value(&expires)->default_value("7d"),
      "lifetime such as 30m, 24h, 30d, or 'never' (default 7d)")(
      "uses", po::value(&uses), "enrollments allowed (default: unlimited)")(
      "quiet,q", po::bool_switch(), "print only the token");
  std::string store_url;
  AddStoreFlag(options, &store_url);
  po::variables_map vm;
  if (std::optional<int> exit = ParseFlags(
          kCommand, "--org NAME [--expires DURATION] [--uses N] [--quiet]",
          options, {}, args, vm, out, err)) {
    return *exit;
  }
  if (org.empty()) return UsageError(kCommand, "--org is required", err);
  store::TokenSpec spec;
  spec.org = org;
  const TimePoint now = SystemClock::Instance().Now();
  if (expires == "never") {
    err << "warning: a token that never expires stays usable by whoever "
           "copies it; prefer --expires / "
           "無期限のトークンは漏れると使われ続けます\n";
  } else {
    std::optional<std::chrono::seconds> ttl = ParseDuration(expires);
    if (!ttl.has_value()) {
      return UsageError(kCommand,
                        "--expires: expected a duration such as 30m, 24h or "
                        "7d, got '" +
                            expires + "'",
                        err);
    }
    spec.expires_at = now + *ttl;
  }
  if (vm.count("uses") != 0) {
    if (uses < 1) return UsageError(kCommand, "--uses: must be 1 or more", err);
    spec.uses = uses;
  }
  const DataPaths paths = DataPaths::For(data_dir, store_url);
  Result<std::unique_ptr<store::Store>> store =
      OpenStore(paths, SystemClock::Instance());
  if (!store.ok()) return Failure(kCommand, store.status(), err);
  Result<store::CreatedToken> token = (*store)->CreateToken(spec);
  if (!token.ok()) return Failure(kCommand, token.status(), err);
  if (vm["quiet"].as<bool>()) {
    out << token->token << "\n";
    return kExitOk;
  }
  out << "Enrollment token (shown only now / 今回だけ表示):\n  " << token->token
      << "\n"
      << "  id " << token->info.id << ", organisation '" << token->info.org
      << "', expires "
      << (spec.expires_at ? FormatTime(*spec.expires_at) : "never") << ", uses "
      << (spec.uses ? std::to_string(*spec.uses) : "unlimited") << "\n";
  Result<std::string> ca = ReadFile(paths.ca_cert, 1 << 20);
  if (ca.ok()) {
    Result<std::string> fingerprint = pki::CertificateSha256(*ca);
    if (fingerprint.ok()) {
      // A token on a command line is visible to every user of the machine
      // (ps, /proc) and kept in shell history: hand it over in a file.
      out << "Enroll an agent: save the token in a file only root can read, "
             "then / トークンを root だけが読めるファイルに保存してから:\n"
          << "  mamori-agent enroll --server HOST:50443 --token-file FILE "
             "--ca-sha256 "
          << *fingerprint << "\n"
          << "Do not pass it with --token: other users can read command "
             "lines / --token で渡すとほかの利用者にコマンドラインから"
             "見えます。\n";
    }
  }
  return kExitOk;
}

int List(const std::vector<std::string>& args, std::ostream& out,
         std::ostream& err) {
  constexpr std::string_view kCommand = "token list";
  po::options_description options("Options");
  std::string data_dir;
  std::string org;
  std::string format;
  options.add_options()(
      "data", po::value(&data_dir)->default_value(kDefaultDataDir),
      "data directory")("org", po::value(&org), "only this organisation")(
      "format", po::value(&format)->default_value("text"), "text or json");
  std::string store_url;
  AddStoreFlag(options, &store_url);
  po::variables_map vm;
  if (std::optional<int> exit =
          ParseFlags(kCommand, "[--org NAME] [--format text|json]", options, {},
                     args, vm, out, err)) {
    return *exit;
  }
  if (format != "text" && format != "json") {
    return UsageError(
        kCommand, "--format: expected text or json, got '" + format + "'", err);
  }
  Result<std::unique_ptr<store::Store>> store =
      OpenStore(DataPaths::For(data_dir, store_url), SystemClock::Instance());
  if (!store.ok()) return Failure(kCommand, store.status(), err);
  Result<std::vector<store::TokenInfo>> tokens = (*store)->ListTokens(org);
  if (!tokens.ok()) return Failure(kCommand, tokens.status(), err);
  const TimePoint now = SystemClock::Instance().Now();
  if (format == "json") {
    nlohmann::json list = nlohmann::json::array();
    for (const store::TokenInfo& t : *tokens) {
      list.push_back({{"id", t.id},
                      {"prefix", t.prefix},
                      {"org", t.org},
                      {"created_at", FormatTime(t.created_at)},
                      {"expires_at",
                       t.expires_at ? nlohmann::json(FormatTime(*t.expires_at))
                                    : nlohmann::json(nullptr)},
                      {"uses", t.uses},
                      {"uses_left", t.uses_left ? nlohmann::json(*t.uses_left)
                                                : nlohmann::json(nullptr)},
                      {"state", TokenState(t, now)}});
    }
    out << list.dump(2) << "\n";
    return kExitOk;
  }
  out << "Enrollment tokens / 登録トークン (" << tokens->size() << ")\n";
  out << std::left << std::setw(5) << "ID" << std::setw(14) << "PREFIX"
      << std::setw(20) << "ORG" << std::setw(22) << "CREATED" << std::setw(22)
      << "EXPIRES" << std::setw(6) << "USED" << std::setw(10) << "USES LEFT"
      << "STATE\n";
  for (const store::TokenInfo& t : *tokens) {
    out << std::left << std::setw(5) << t.id << std::setw(14) << t.prefix
        << std::setw(20) << t.org << std::setw(22) << FormatTime(t.created_at)
        << std::setw(22) << (t.expires_at ? FormatTime(*t.expires_at) : "never")
        << std::setw(6) << t.uses << std::setw(10)
        << (t.uses_left ? std::to_string(*t.uses_left) : "unlimited")
        << TokenState(t, now) << "\n";
  }
  return kExitOk;
}

int Revoke(const std::vector<std::string>& args, std::ostream& out,
           std::ostream& err) {
  constexpr std::string_view kCommand = "token revoke";
  po::options_description options("Options");
  std::string data_dir;
  std::string org;
  std::string which;
  options.add_options()("data",
                        po::value(&data_dir)->default_value(kDefaultDataDir),
                        "data directory")(
      "org", po::value(&org), "organisation owning the token (required)")(
      "token", po::value(&which), "token id or prefix");
  po::positional_options_description positional;
  positional.add("token", 1);
  std::string store_url;
  AddStoreFlag(options, &store_url);
  po::variables_map vm;
  if (std::optional<int> exit =
          ParseFlags(kCommand, "--org NAME ID|PREFIX [--data DIR]", options,
                     positional, args, vm, out, err)) {
    return *exit;
  }
  if (org.empty()) return UsageError(kCommand, "--org is required", err);
  if (which.empty()) {
    return UsageError(kCommand, "give the token ID or PREFIX (see token list)",
                      err);
  }
  Result<std::unique_ptr<store::Store>> store =
      OpenStore(DataPaths::For(data_dir, store_url), SystemClock::Instance());
  if (!store.ok()) return Failure(kCommand, store.status(), err);
  if (Status s = (*store)->RevokeToken(org, which); !s.ok()) {
    return Failure(kCommand, s, err);
  }
  out << "Revoked token " << which << " / トークンを無効にしました\n";
  return kExitOk;
}

}  // namespace

int RunToken(const std::vector<std::string>& args, std::ostream& out,
             std::ostream& err) {
  const std::vector<std::string> rest =
      args.empty() ? args
                   : std::vector<std::string>(args.begin() + 1, args.end());
  if (!args.empty() && args[0] == "create") return Create(rest, out, err);
  if (!args.empty() && args[0] == "list") return List(rest, out, err);
  if (!args.empty() && args[0] == "revoke") return Revoke(rest, out, err);
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
    out << "Usage: mamori-collector token create --org NAME [--expires "
           "DURATION|never (default 7d)] [--uses N] [--quiet]\n"
           "       mamori-collector token list [--org NAME] [--format "
           "text|json]\n"
           "       mamori-collector token revoke --org NAME ID|PREFIX\n";
    return kExitOk;
  }
  return UsageError("token",
                    args.empty() ? "missing subcommand (create, list or revoke)"
                                 : "unknown subcommand '" + args[0] +
                                       "' (expected create, list or revoke)",
                    err);
}

}  // namespace mamori::collector_cli

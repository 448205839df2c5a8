#include "collector/web/cmd_user.h"

#include <iomanip>
#include <nlohmann/json.hpp>

#include "collector/cli/cli_common.h"
#include "collector/pki/crypto.h"
#include "collector/store/open_store.h"
#include "collector/web/password_policy.h"

namespace mamori::web {
namespace {

namespace po = boost::program_options;
using collector_cli::DataPaths;
using collector_cli::Failure;
using collector_cli::kDefaultDataDir;
using collector_cli::kExitOk;
using collector_cli::ParseFlags;
using collector_cli::UsageError;

struct Opened {
  std::unique_ptr<store::Store> store;
  std::unique_ptr<store::AccountStore> accounts;
};

// The store of `data_dir`, or the database `store_url` names (--store).
Result<Opened> Open(const std::string& data_dir, const std::string& store_url) {
  const DataPaths paths = DataPaths::For(data_dir, store_url);
  Result<std::unique_ptr<store::Store>> store =
      collector_cli::OpenStore(paths, SystemClock::Instance());
  if (!store.ok()) return store.status();
  Result<std::unique_ptr<store::AccountStore>> accounts =
      store::OpenAccountStore(paths.store_url);
  if (!accounts.ok()) return accounts.status();
  return Opened{std::move(store).value(), std::move(accounts).value()};
}

void Audit(store::AccountStore& accounts, const std::string& action,
           const std::string& target, const nlohmann::json& after) {
  store::AuditEntry e;
  e.at = SystemClock::Instance().Now();
  e.actor = "cli:" + collector_cli::DefaultActor();
  e.source = "cli";
  e.action = action;
  e.target = target;
  e.before_json = "{}";
  e.after_json = after.dump();
  (void)accounts.AppendAudit(e);
}

// A fresh one-time password and its hash.
Result<std::pair<std::string, std::string>> OneTimePassword() {
  const std::string password = pki::RandomSecret(18);
  Result<std::string> hash = pki::HashPassword(password);
  if (!hash.ok()) return hash.status();
  return std::make_pair(password, std::move(hash).value());
}

// Parses `--data DIR [--store URL] NAME` for the commands that take only an
// account name. Returns nullopt to go on (name, data_dir and store_url set),
// or the exit code.
std::optional<int> ParseNameOnly(std::string_view command,
                                 const std::vector<std::string>& args,
                                 std::string* data_dir, std::string* store_url,
                                 std::string* name, std::ostream& out,
                                 std::ostream& err) {
  po::options_description options("Options");
  options.add_options()(
      "data", po::value(data_dir)->default_value(kDefaultDataDir),
      "data directory")("name", po::value(name), "account name");
  collector_cli::AddStoreFlag(options, store_url);
  po::positional_options_description positional;
  positional.add("name", 1);
  po::variables_map vm;
  if (std::optional<int> exit = ParseFlags(command, "NAME", options, positional,
                                           args, vm, out, err)) {
    return exit;
  }
  if (name->empty()) {
    return UsageError(command, "the account NAME is missing", err);
  }
  return std::nullopt;
}

int Add(const std::vector<std::string>& args, std::ostream& out,
        std::ostream& err) {
  constexpr std::string_view kCommand = "user add";
  po::options_description options("Options");
  std::string data_dir, name, role_text;
  std::vector<std::string> orgs;
  options.add_options()(
      "data", po::value(&data_dir)->default_value(kDefaultDataDir),
      "data directory")("name", po::value(&name), "account name")(
      "role", po::value(&role_text)->default_value("viewer"),
      "operator, org_admin, viewer or auditor")(
      "org", po::value(&orgs)->composing(),
      "organisation the account may see (repeatable; not for operators)");
  std::string store_url;
  collector_cli::AddStoreFlag(options, &store_url);
  po::positional_options_description positional;
  positional.add("name", 1);
  po::variables_map vm;
  if (std::optional<int> exit =
          ParseFlags(kCommand, "NAME --role ROLE [--org NAME]...", options,
                     positional, args, vm, out, err)) {
    return *exit;
  }
  if (!ValidAccountName(name)) {
    return UsageError(kCommand,
                      "NAME: 1 to 64 characters from A-Z a-z 0-9 . _ @ -", err);
  }
  std::optional<store::Role> role = store::ParseRole(role_text);
  if (!role) {
    return UsageError(kCommand,
                      "--role: expected operator, org_admin, viewer or "
                      "auditor, got '" +
                          role_text + "'",
                      err);
  }
  if (*role == store::Role::kOperator && !orgs.empty()) {
    return UsageError(kCommand, "--org: operators see every organisation", err);
  }
  if (*role != store::Role::kOperator && orgs.empty()) {
    return UsageError(kCommand, "--org: give at least one organisation", err);
  }
  if (Status s = pki::InitCrypto(); !s.ok()) return Failure(kCommand, s, err);
  Result<Opened> db = Open(data_dir, store_url);
  if (!db.ok()) return Failure(kCommand, db.status(), err);
  std::vector<int64_t> org_ids;
  for (const std::string& org : orgs) {
    Result<store::Organization> found = db->store->FindOrg(org);
    if (!found.ok()) return Failure(kCommand, found.status(), err);
    org_ids.push_back(found->id);
  }
  Result<std::pair<std::string, std::string>> password = OneTimePassword();
  if (!password.ok()) return Failure(kCommand, password.status(), err);
  Result<store::Account> account = db->accounts->CreateAccount(
      {name, *role, org_ids, password->second, true},
      SystemClock::Instance().Now());
  if (!account.ok()) return Failure(kCommand, account.status(), err);
  Audit(*db->accounts, "account.create", name,
        {{"role", store::RoleName(*role)}, {"org_ids", org_ids}});
  out << "Created account '" << name << "' (" << store::RoleName(*role)
      << ") / アカウントを作成しました\n"
      << "  one-time password (change at first login / 初回ログイン時に変更): "
      << password->first << "\n";
  return kExitOk;
}

int Passwd(const std::vector<std::string>& args, std::ostream& out,
           std::ostream& err) {
  constexpr std::string_view kCommand = "user passwd";
  std::string data_dir, store_url, name;
  if (std::optional<int> exit = ParseNameOnly(kCommand, args, &data_dir,
                                              &store_url, &name, out, err)) {
    return *exit;
  }
  if (Status s = pki::InitCrypto(); !s.ok()) return Failure(kCommand, s, err);
  Result<Opened> db = Open(data_dir, store_url);
  if (!db.ok()) return Failure(kCommand, db.status(), err);
  Result<store::Account> account = db->accounts->FindAccount(name);
  if (!account.ok()) {
    return Failure(kCommand, NotFoundError("no account '" + name + "'"), err);
  }
  Result<std::pair<std::string, std::string>> password = OneTimePassword();
  if (!password.ok()) return Failure(kCommand, password.status(), err);
  if (Status s = db->accounts->SetPassword(account->id, password->second, true,
                                           SystemClock::Instance().Now());
      !s.ok()) {
    return Failure(kCommand, s, err);
  }
  // Re-enabling is part of recovery: a locked-out operator gets back in.
  if (Status s = db->accounts->SetDisabled(account->id, false); !s.ok()) {
    return Failure(kCommand, s, err);
  }
  Audit(*db->accounts, "account.password_reset", name,
        {{"must_change_password", true}, {"disabled", false}});
  out << "New one-time password for '" << name
      << "' (change at first login / 初回ログイン時に変更): " << password->first
      << "\n";
  return kExitOk;
}

int List(const std::vector<std::string>& args, std::ostream& out,
         std::ostream& err) {
  constexpr std::string_view kCommand = "user list";
  po::options_description options("Options");
  std::string data_dir;
  options.add_options()("data",
                        po::value(&data_dir)->default_value(kDefaultDataDir),
                        "data directory");
  std::string store_url;
  collector_cli::AddStoreFlag(options, &store_url);
  po::variables_map vm;
  if (std::optional<int> exit =
          ParseFlags(kCommand, "", options, {}, args, vm, out, err)) {
    return *exit;
  }
  Result<Opened> db = Open(data_dir, store_url);
  if (!db.ok()) return Failure(kCommand, db.status(), err);
  Result<std::vector<store::Account>> accounts =
      db->accounts->ListAccounts({true, {}});
  if (!accounts.ok()) return Failure(kCommand, accounts.status(), err);
  out << "Accounts / アカウント (" << accounts->size() << ")\n";
  out << std::left << std::setw(5) << "ID" << std::setw(24) << "NAME"
      << std::setw(11) << "ROLE" << std::setw(16) << "ORGS"
      << "STATE\n";
  for (const store::Account& a : *accounts) {
    std::string orgs;
    for (int64_t id : a.org_ids) {
      orgs += (orgs.empty() ? "" : ",") + std::to_string(id);
    }
    std::string state = a.disabled               ? "disabled"
                        : a.must_change_password ? "must-change-password"
                                                 : "active";
    // Names reach a terminal: control characters were refused at creation,
    // so the name prints as stored.
    out << std::left << std::setw(5) << a.id << std::setw(24) << a.name
        << std::setw(11) << store::RoleName(a.role) << std::setw(16)
        << (orgs.empty() ? "*" : orgs) << state << "\n";
  }
  return kExitOk;
}

int Disable(const std::vector<std::string>& args, std::ostream& out,
            std::ostream& err) {
  constexpr std::string_view kCommand = "user disable";
  std::string data_dir, store_url, name;
  if (std::optional<int> exit = ParseNameOnly(kCommand, args, &data_dir,
                                              &store_url, &name, out, err)) {
    return *exit;
  }
  Result<Opened> db = Open(data_dir, store_url);
  if (!db.ok()) return Failure(kCommand, db.status(), err);
  Result<store::Account> account = db->accounts->FindAccount(name);
  if (!account.ok()) {
    return Failure(kCommand, NotFoundError("no account '" + name + "'"), err);
  }
  if (Status s = db->accounts->SetDisabled(account->id, true); !s.ok()) {
    return Failure(kCommand, s, err);
  }
  Audit(*db->accounts, "account.disable", name, {{"disabled", true}});
  out << "Disabled account '" << name
      << "' / アカウントを無効にしました (its console sessions end at their "
         "next request)\n";
  return kExitOk;
}

}  // namespace

int RunUser(const std::vector<std::string>& args, std::ostream& out,
            std::ostream& err) {
  const std::vector<std::string> rest =
      args.empty() ? args
                   : std::vector<std::string>(args.begin() + 1, args.end());
  const std::string sub = args.empty() ? "" : args[0];
  if (sub == "add") return Add(rest, out, err);
  if (sub == "passwd") return Passwd(rest, out, err);
  if (sub == "list") return List(rest, out, err);
  if (sub == "disable") return Disable(rest, out, err);
  if (sub == "--help" || sub == "-h") {
    out << "Usage: mamori-collector user add NAME --role ROLE [--org NAME]...\n"
           "       mamori-collector user passwd NAME\n"
           "       mamori-collector user list\n"
           "       mamori-collector user disable NAME\n";
    return kExitOk;
  }
  return UsageError("user",
                    sub.empty() ? "missing subcommand (add, passwd, list or "
                                  "disable)"
                                : "unknown subcommand '" + sub +
                                      "' (expected add, passwd, list or "
                                      "disable)",
                    err);
}

}  // namespace mamori::web

#include "collector/cli/cmd_init.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "collector/cli/cli_common.h"
#include "collector/pki/ca.h"
#include "collector/pki/crypto.h"
#include "collector/pki/signing_key.h"

namespace mamori::collector_cli {
namespace {

namespace po = boost::program_options;
constexpr std::string_view kCommand = "init";

// Creates `path` with `mode`, failing when it exists (never overwrite keys).
Status WriteNewFile(const std::string& path, std::string_view content,
                    int mode) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    if (errno == EEXIST) {
      return AlreadyExistsError(path +
                                " already exists: this directory was "
                                "(partly) initialised before; use another "
                                "--data directory or remove it");
    }
    return InternalError("cannot create " + path + ": " + std::strerror(errno));
  }
  fchmod(fd,
         static_cast<mode_t>(mode));  // the umask must not widen or narrow it
  size_t written = 0;
  while (written < content.size()) {
    ssize_t n = write(fd, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      std::string reason = std::strerror(errno);
      close(fd);
      return InternalError("cannot write " + path + ": " + reason);
    }
    written += static_cast<size_t>(n);
  }
  if (fsync(fd) != 0 || close(fd) != 0) {
    return InternalError("cannot write " + path + ": " + std::strerror(errno));
  }
  return Status::Ok();
}

Status MakePrivateDir(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) return InternalError("cannot create " + path + ": " + ec.message());
  if (chmod(path.c_str(), 0700) != 0) {
    return InternalError("cannot chmod 0700 " + path + ": " +
                         std::strerror(errno));
  }
  return Status::Ok();
}

}  // namespace

int RunInit(const std::vector<std::string>& args, std::ostream& out,
            std::ostream& err) {
  po::options_description options("Options");
  std::string data_dir;
  std::vector<std::string> hostnames;
  std::string org;
  std::string admin;
  options.add_options()("data",
                        po::value(&data_dir)->default_value(kDefaultDataDir),
                        "data directory to create")(
      "hostname", po::value(&hostnames)->composing(),
      "name or IP address agents use to reach the collector (repeatable; "
      "localhost and 127.0.0.1 are always included)")(
      "org", po::value(&org), "also create this organisation")(
      "admin", po::value(&admin)->default_value("admin"), "admin account name");
  std::string store_url;
  AddStoreFlag(options, &store_url);
  po::variables_map vm;
  if (std::optional<int> exit = ParseFlags(
          kCommand,
          "--data DIR [--store URL] [--hostname NAME]... [--org NAME]", options,
          {}, args, vm, out, err)) {
    return *exit;
  }
  if (Status s = pki::InitCrypto(); !s.ok()) return Failure(kCommand, s, err);

  const DataPaths paths = DataPaths::For(data_dir, store_url);
  // With a PostgreSQL store the keys mark the directory as initialised.
  const bool on_postgres = store::IsPostgresUrl(paths.store_url);
  const std::string& marker = on_postgres ? paths.ca_key : paths.database;
  if (std::filesystem::exists(marker)) {
    return Failure(
        kCommand,
        FailedPreconditionError(paths.root + " is already initialised (found " +
                                marker + ")"),
        err);
  }
  if (on_postgres) {
    // A database another collector already uses has its CA: a second
    // collector gets a copy of that collector's data directory instead (its
    // agents trust that CA only).
    Result<std::unique_ptr<store::Store>> existing =
        store::OpenStore(paths.store_url, SystemClock::Instance());
    if (!existing.ok()) return Failure(kCommand, existing.status(), err);
    Result<std::vector<store::Organization>> orgs = (*existing)->ListOrgs();
    if (!orgs.ok()) return Failure(kCommand, orgs.status(), err);
    // Console accounts count too: an init without --org made its operator.
    Result<std::unique_ptr<store::AccountStore>> accounts =
        store::OpenAccountStore(paths.store_url);
    if (!accounts.ok()) return Failure(kCommand, accounts.status(), err);
    Result<std::vector<store::Account>> listed =
        (*accounts)->ListAccounts({true, {}});
    if (!listed.ok()) return Failure(kCommand, listed.status(), err);
    if (!orgs->empty() || !listed->empty()) {
      return Failure(
          kCommand,
          FailedPreconditionError(
              store::RedactedUrl(paths.store_url) +
              " already holds organisations or console accounts: it was "
              "initialised by another "
              "collector. Copy that collector's data directory (pki/) to "
              "this host and run serve --store with it (docs/scale.md) / "
              "このデータベースは初期化済みです。最初のコレクタのデータ"
              "ディレクトリ (pki/) をコピーしてください"),
          err);
    }
  }
  std::vector<std::string> names = hostnames;
  for (const char* always : {"localhost", "127.0.0.1"}) {
    if (std::find(names.begin(), names.end(), always) == names.end()) {
      names.emplace_back(always);
    }
  }

  const TimePoint now = SystemClock::Instance().Now();
  Result<pki::KeyAndCert> ca = pki::CreateCa("mamori collector CA", now);
  if (!ca.ok()) return Failure(kCommand, ca.status(), err);
  Result<pki::KeyAndCert> server = pki::IssueServerCert(*ca, names, now);
  if (!server.ok()) {
    return UsageError(kCommand, "--hostname: " + server.status().message(),
                      err);
  }
  Result<std::string> fingerprint = pki::CertificateSha256(ca->cert_pem);
  if (!fingerprint.ok()) return Failure(kCommand, fingerprint.status(), err);

  // Keys and certificates first; the database last marks the directory as
  // initialised, so a failure before it leaves no half-usable collector.
  for (const Status& s :
       {MakePrivateDir(paths.root), MakePrivateDir(paths.pki_dir)}) {
    if (!s.ok()) return Failure(kCommand, s, err);
  }
  for (const Status& s :
       {WriteNewFile(paths.ca_key, ca->key_pem, 0600),
        WriteNewFile(paths.ca_cert, ca->cert_pem, 0644),
        WriteNewFile(paths.server_key, server->key_pem, 0600),
        WriteNewFile(paths.server_cert, server->cert_pem, 0644)}) {
    if (!s.ok()) return Failure(kCommand, s, err);
  }

  Result<std::unique_ptr<store::Store>> store =
      store::OpenStore(paths.store_url, SystemClock::Instance());
  if (!store.ok()) return Failure(kCommand, store.status(), err);
  if (!on_postgres) chmod(paths.database.c_str(), 0600);
  std::string password;
  // The console's first operator; the password is one-time: the console
  // asks for a new one at the first login.
  {
    password = pki::RandomSecret(18);
    Result<std::string> hash = pki::HashPassword(password);
    if (!hash.ok()) return Failure(kCommand, hash.status(), err);
    Result<std::unique_ptr<store::AccountStore>> accounts =
        store::OpenAccountStore(paths.store_url);
    if (!accounts.ok()) return Failure(kCommand, accounts.status(), err);
    if (Result<store::Account> created = (*accounts)->CreateAccount(
            {admin, store::Role::kOperator, {}, *hash, true}, now);
        !created.ok()) {
      return Failure(kCommand, created.status(), err);
    }
  }
  if (!org.empty()) {
    Result<store::Organization> created =
        (*store)->CreateOrg({org, "", std::nullopt, ""});
    if (!created.ok()) return Failure(kCommand, created.status(), err);
  }

  // The evidence signing key (#15): packs are signed with it; its
  // fingerprint is what a third party compares.
  Result<pki::SigningKey> signing =
      pki::CreateSigningKey(paths.pki_dir + "/signing.key");
  if (!signing.ok()) return Failure(kCommand, signing.status(), err);

  std::string joined;
  for (const std::string& n : names) joined += (joined.empty() ? "" : ", ") + n;
  out << "Initialised the collector in " << paths.root
      << " / コレクタを初期化しました\n"
      << "  database:      "
      << (on_postgres ? store::RedactedUrl(paths.store_url) : paths.database)
      << "\n"
      << "  CA cert:       " << paths.ca_cert << "\n"
      << "  CA SHA-256:    " << *fingerprint << "\n"
      << "  server cert:   " << paths.server_cert << " (" << joined << ")\n"
      << "  evidence signing key / 証跡署名鍵: " << paths.pki_dir
      << "/signing.key\n"
      << "  signing public key: " << pki::ToHex(signing->public_key) << "\n"
      << "  signing key SHA-256: "
      << pki::PublicKeyFingerprint(signing->public_key) << "\n";
  if (!org.empty()) out << "  organisation:  " << org << "\n";
  out << "  admin account: " << admin << " (operator)\n"
      << "  one-time password (change at first login / 初回ログイン時に変更; "
         "shown only now / 今回だけ表示): "
      << password << "\n\n";
  if (on_postgres) {
    out << "Next / 次に: mamori-collector serve --data " << paths.root
        << " --store URL\n"
        << "  (every collector host needs a copy of " << paths.pki_dir
        << " / 各コレクタに pki/ のコピーが必要です)\n";
    return kExitOk;
  }
  out << "Next / 次に: mamori-collector serve --data " << paths.root << "\n";
  return kExitOk;
}

}  // namespace mamori::collector_cli

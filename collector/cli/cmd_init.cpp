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
  po::variables_map vm;
  if (std::optional<int> exit =
          ParseFlags(kCommand, "--data DIR [--hostname NAME]... [--org NAME]",
                     options, {}, args, vm, out, err)) {
    return *exit;
  }
  if (Status s = pki::InitCrypto(); !s.ok()) return Failure(kCommand, s, err);

  const DataPaths paths = DataPaths::For(data_dir);
  if (std::filesystem::exists(paths.database)) {
    return Failure(
        kCommand,
        FailedPreconditionError(paths.root + " is already initialised (found " +
                                paths.database + ")"),
        err);
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

  Result<std::unique_ptr<store::Store>> store = store::OpenStore(
      store::SqliteUrl(paths.database), SystemClock::Instance());
  if (!store.ok()) return Failure(kCommand, store.status(), err);
  chmod(paths.database.c_str(), 0600);
  const std::string password = pki::RandomSecret(18);
  Result<std::string> hash = pki::HashPassword(password);
  if (!hash.ok()) return Failure(kCommand, hash.status(), err);
  // The console's first operator; the password is one-time: the console
  // asks for a new one at the first login.
  Result<std::unique_ptr<store::AccountStore>> accounts =
      store::OpenAccountStore(store::SqliteUrl(paths.database));
  if (!accounts.ok()) return Failure(kCommand, accounts.status(), err);
  if (Result<store::Account> created = (*accounts)->CreateAccount(
          {admin, store::Role::kOperator, {}, *hash, true}, now);
      !created.ok()) {
    return Failure(kCommand, created.status(), err);
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
      << "  database:      " << paths.database << "\n"
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
      << password << "\n\n"
      << "Next / 次に: mamori-collector serve --data " << paths.root << "\n";
  return kExitOk;
}

}  // namespace mamori::collector_cli

#include "collector/web/console_main.h"

#include <fstream>
#include <sstream>

#include "collector/pki/ca.h"
#include "collector/store/open_store.h"
#include "collector/store/register_port.h"
#include "collector/web/console_api.h"
#include "collector/web/web_server.h"

namespace mamori::web {
namespace {

namespace po = boost::program_options;

class RunningConsole final : public Console {
 public:
  int port() const override { return server->port(); }
  void Stop() override {
    if (server) server->Stop();
  }
  ~RunningConsole() override { Stop(); }

  std::unique_ptr<store::AccountStore> accounts;
  std::unique_ptr<store::ConsoleStore> console;
  std::unique_ptr<policy::GradingService> grading;
  std::unique_ptr<store::ReportStore> reports;
  // The register page's own connection (the core store's belongs to ingest).
  std::unique_ptr<store::Store> register_store;
  std::unique_ptr<asset_register::RegisterPort> register_port;
  std::unique_ptr<store::DeviceStore> devices;
  std::unique_ptr<ConsoleApi> api;
  std::unique_ptr<WebServer> server;
};

Result<std::string> ReadText(const std::string& path) {
  std::ifstream in(path);
  if (!in) return NotFoundError("cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

Status WritePort(const std::string& path, int port) {
  const std::string temp = path + ".tmp";
  {
    std::ofstream out(temp, std::ios::trunc);
    out << port << "\n";
    if (!out) return InternalError("--web-port-file: cannot write " + temp);
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    return InternalError("--web-port-file: cannot rename to " + path);
  }
  return Status::Ok();
}

}  // namespace

void AddConsoleFlags(po::options_description& options, ConsoleFlags* flags) {
  options.add_options()(
      "web", po::value(&flags->web),
      "ADDR:PORT to serve the web console and REST API on, over HTTPS with "
      "the collector's certificate (port 0 = any free port)")(
      "web-port-file", po::value(&flags->web_port_file),
      "write the console's bound port number to this file")(
      "web-insecure-loopback", po::bool_switch(&flags->web_insecure_loopback),
      "serve the console over plain HTTP; only on a loopback address (tests)");
}

Result<std::unique_ptr<Console>> StartConsole(const ConsoleFlags& flags,
                                              const ConsolePaths& paths,
                                              store::Store& store,
                                              const std::string& grpc_address,
                                              const Clock& clock) {
  if (flags.web.empty()) {
    if (!flags.web_port_file.empty() || flags.web_insecure_loopback) {
      return InvalidArgumentError(
          "--web-port-file and --web-insecure-loopback need --web");
    }
    return std::unique_ptr<Console>();
  }
  auto c = std::make_unique<RunningConsole>();
  Result<std::unique_ptr<store::AccountStore>> accounts =
      store::OpenAccountStore(paths.store_url);
  if (!accounts.ok()) return accounts.status();
  c->accounts = std::move(accounts).value();
  Result<std::unique_ptr<store::ConsoleStore>> console =
      store::OpenConsoleStore(paths.store_url);
  if (!console.ok()) return console.status();
  c->console = std::move(console).value();
  Result<std::unique_ptr<policy::GradingService>> grading =
      policy::GradingService::Open({paths.store_url, paths.custom_policy_dir},
                                   clock);
  if (!grading.ok()) return grading.status();
  c->grading = std::move(grading).value();
  Result<std::unique_ptr<store::ReportStore>> reports =
      store::OpenReportStore(paths.store_url);
  if (!reports.ok()) return reports.status();
  c->reports = std::move(reports).value();
  Result<std::unique_ptr<store::Store>> register_store =
      store::OpenStore(paths.store_url, clock);
  if (!register_store.ok()) return register_store.status();
  c->register_store = std::move(register_store).value();
  // A port the backend does not have yet (UNIMPLEMENTED: the register and
  // devices on PostgreSQL, issue #17) leaves its pages saying so; the rest
  // of the console serves. Any other error stops the start.
  bool register_not_on_backend = false;
  Result<std::unique_ptr<asset_register::RegisterPort>> register_port =
      c->register_store->OpenRegister(clock);
  if (register_port.ok()) {
    c->register_port = std::move(register_port).value();
  } else if (register_port.status().code() == StatusCode::kUnimplemented) {
    register_not_on_backend = true;
  } else {
    return register_port.status();
  }
  Result<std::unique_ptr<store::DeviceStore>> devices =
      store::OpenDeviceStore(paths.store_url);
  if (devices.ok()) {
    c->devices = std::move(devices).value();
  } else if (devices.status().code() != StatusCode::kUnimplemented) {
    return devices.status();
  }

  ConsoleApiOptions options;
  options.grpc_address = grpc_address;
  if (flags.web_insecure_loopback) options.cookie_name = "mamori_session";
  Result<std::string> ca = ReadText(paths.ca_cert);
  if (!ca.ok()) return ca.status();
  Result<std::string> fingerprint = pki::CertificateSha256(*ca);
  if (!fingerprint.ok()) return fingerprint.status();
  options.ca_sha256 = pki::ColonFingerprint(*fingerprint);
  options.signing_key_path = paths.signing_key;
  options.custom_policy_dir = paths.custom_policy_dir;
  options.software_store_url = paths.store_url;
  options.alerts_store_url = paths.store_url;
  c->api =
      std::make_unique<ConsoleApi>(*c->accounts, *c->console, store,
                                   *c->grading, *c->reports, clock, options);
  c->api->SetRegister(c->register_port.get());
  if (register_not_on_backend) c->api->SetRegisterNotOnBackend();
  c->api->SetDevices(c->devices.get());

  WebServerConfig config;
  config.address = flags.web;
  config.plaintext_loopback = flags.web_insecure_loopback;
  config.key_path = paths.server_key;
  config.cert_path = paths.server_cert;
  Result<std::unique_ptr<WebServer>> server = WebServer::Start(config, *c->api);
  if (!server.ok()) return server.status();
  c->server = std::move(server).value();
  if (!flags.web_port_file.empty()) {
    if (Status s = WritePort(flags.web_port_file, c->server->port()); !s.ok()) {
      return s;
    }
  }
  return std::unique_ptr<Console>(std::move(c));
}

}  // namespace mamori::web

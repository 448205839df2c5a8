#include "agent/cmd_once.h"

#include <openssl/rand.h>

#include <array>
#include <cstdio>
#include <ostream>

#include "agent/collect.h"
#include "agent/config/command_line.h"
#include "agent/transport/delivery.h"
#include "common/log.h"
#include "common/text.h"
#include "proto/wire/limits.h"

namespace mamori::agent {
namespace {

namespace po = boost::program_options;

constexpr char kUsage[] =
    "Usage: mamori-agent once [--state DIR] [--config FILE] [--root DIR]\n"
    "                         [--family NAME]... [--server HOST:PORT]\n"
    "\n"
    "Collects facts now, queues the report in the spool and sends every\n"
    "queued report to the collector, waiting for its acknowledgement.\n"
    "今すぐ収集し、コレクタへ送信して受領確認を待ちます。\n"
    "\n"
    "  --state DIR        state directory (default /var/lib/mamori)\n"
    "  --config FILE      config file (default /etc/mamori/agent.conf)\n"
    "  --root DIR         collect from the tree under DIR (a fixture or "
    "image)\n"
    "  --family NAME      collect only this family (repeatable)\n"
    "  --server HOST:PORT send to this collector instead of the enrolled one\n"
    "  --log-level LEVEL  debug, info, warning or error\n"
    "  --help             show this help\n"
    "\n"
    "Exit codes / 終了コード:\n"
    "  0  sent and acknowledged / 送信完了\n"
    "  2  usage error / 使い方の誤り\n"
    "  3  queued: collector unreachable or busy, retried next time\n"
    "     / 保留: コレクタに接続できないか混雑中 (次回再送)\n"
    "  4  failed: refused by the collector (e.g. not enrolled, bad key) or a\n"
    "     local error / 失敗: 認証エラーなど\n";

void ApplyLogLevel(const AgentConfig& config) {
  LogLevel level = LogLevel::kInfo;
  if (ParseLogLevel(config.log_level, &level)) {
    InitLogging("mamori-agent", level);
  }
}

// Opens the spool, starting a new one when the file is damaged.
Result<std::unique_ptr<Spool>> OpenSpool(const AgentConfig& config,
                                         const Clock& clock) {
  const std::string path = transport::SpoolPath(config.state_dir);
  std::string moved_to;
  Result<std::unique_ptr<Spool>> spool = Spool::OpenOrRecover(
      path,
      {.max_bytes = config.spool_max_bytes, .max_age = config.spool_max_age},
      clock, &moved_to);
  if (spool.ok() && !moved_to.empty()) {
    MAMORI_LOG(kError)
        << "the spool " << path << " was damaged: moved it to " << moved_to
        << " and started a new one; the reports queued in it are lost and "
           "counted as dropped for the collector / 送信待ちの保存ファイルが"
           "壊れていたため退避し、新しく作り直しました (未送信の報告は失われ、"
           "コレクタに欠落として報告されます)";
  }
  return spool;
}

}  // namespace

Status RecoverSpool(AgentSession& session, const Clock& clock) {
  session.spool.reset();  // closes the file before it may be moved
  Result<std::unique_ptr<Spool>> spool = OpenSpool(session.config, clock);
  if (!spool.ok()) return spool.status();
  session.spool = std::move(spool).value();
  return Status::Ok();
}

Result<std::string> NewReportId() {
  // OpenSSL's CSPRNG (seeded by the OS: getrandom, BCryptGenRandom): the
  // transport links it on every platform, so the id needs no other library.
  std::array<unsigned char, 16> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    return InternalError(
        "cannot make a report id: the random number generator failed");
  }
  bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0f) | 0x40);  // v4
  bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3f) | 0x80);  // RFC 4122
  std::string id;
  id.reserve(36);
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) id += '-';
    char hex[3];
    std::snprintf(hex, sizeof hex, "%02x", bytes[i]);
    id += hex;
  }
  return id;
}

Result<AgentSession> OpenSession(const AgentConfig& config,
                                 const Clock& clock) {
  AgentSession session;
  session.config = config;
  Result<transport::AgentIdentity> identity =
      transport::LoadIdentity(config.state_dir);
  if (!identity.ok()) return identity.status();
  session.identity = *identity;
  if (!config.server.empty()) session.identity.server = config.server;
  const std::string ca_path = config.ca_file.empty()
                                  ? transport::CaPath(config.state_dir)
                                  : config.ca_file;
  Result<std::string> ca = ReadFile(ca_path, 1 << 20);
  if (!ca.ok()) return ca.status().WithContext("collector CA");
  Result<std::unique_ptr<Spool>> spool = OpenSpool(config, clock);
  if (!spool.ok()) return spool.status();
  session.spool = std::move(spool).value();
  Result<std::unique_ptr<transport::CollectorClient>> client =
      transport::CollectorClient::Create(
          {.server = session.identity.server,
           .ca_pem = *ca,
           .timeout = config.rpc_timeout,
           .max_send_bytes = static_cast<int>(std::min<uint64_t>(
               config.spool_max_bytes, wire::kMaxReportBytes))});
  if (!client.ok()) return client.status();
  session.client = std::move(client).value();
  return session;
}

Result<std::string> CollectAndSpool(AgentSession& session, const Clock& clock) {
  facts::GatherContext ctx =
      session.config.root.empty()
          ? facts::LiveContext(&clock)
          : facts::RootContext(session.config.root, &clock);
  // once and run always have a state directory: expensive results whose
  // inputs did not change (pending updates) are reused from it.
  ctx.state_dir = session.config.state_dir;
  Result<mamori::v1::EndpointFacts> facts =
      CollectEndpointFacts(ctx, session.config.families);
  if (!facts.ok()) return facts.status();
  Result<std::string> report_id = NewReportId();
  if (!report_id.ok()) return report_id.status();
  const std::string& id = *report_id;
  Result<SpoolEntry> entry =
      session.spool->Enqueue(id, facts->SerializeAsString());
  if (!entry.ok()) return entry.status();
  MAMORI_LOG(kInfo) << "report " << id << " queued (" << entry->payload.size()
                    << " bytes)";
  return id;
}

int RunOnceCommand(const std::vector<std::string>& args, std::ostream& out,
                   std::ostream& err, const Clock& clock) {
  po::options_description desc;
  desc.add_options()("server", po::value<std::string>());
  int exit_code = 0;
  std::optional<ParsedCommand> parsed =
      ParseAgentCommand("once", args, desc, kUsage, out, err, &exit_code);
  if (!parsed) return exit_code;
  const po::variables_map& vm = parsed->vm;
  AgentConfig& config = parsed->config;
  if (vm.count("server")) config.server = vm["server"].as<std::string>();
  ApplyLogLevel(config);

  Result<AgentSession> session = OpenSession(config, clock);
  if (!session.ok()) {
    err << "mamori-agent once: " << session.status().message() << "\n";
    return kExitFailed;
  }
  Result<std::string> id = CollectAndSpool(*session, clock);
  if (!id.ok() && id.status().code() == StatusCode::kDataLoss &&
      RecoverSpool(*session, clock).ok()) {
    id = CollectAndSpool(*session, clock);
  }
  if (!id.ok()) {
    err << "mamori-agent once: " << id.status().message() << "\n";
    return id.status().code() == StatusCode::kInvalidArgument ? kExitUsage
                                                              : kExitFailed;
  }
  transport::DeliveryResult result = transport::DeliverPending(
      *session->spool, *session->client, session->identity);
  switch (result.state) {
    case transport::DeliveryState::kAllDelivered:
      if (result.rejected > 0) {
        err << "mamori-agent once: the collector refused " << result.rejected
            << " report(s) for good (discarded and counted as dropped; "
            << result.acknowledged
            << " other report(s) delivered): " << result.last_error.message()
            << "\n受け付けられない報告を破棄しました。\n";
        return kExitFailed;
      }
      out << "sent " << result.acknowledged << " report(s) to "
          << session->identity.server << " (host " << session->identity.host_id
          << "); latest " << *id << "\n"
          << "送信しました。\n";
      return kExitSent;
    case transport::DeliveryState::kQueued:
      out << "queued: " << result.remaining << " report(s) wait in the spool ("
          << result.last_error.message() << ")";
      if (result.retry_after.count() > 0) {
        out << "; collector asks to retry in " << result.retry_after.count()
            << " ms";
      }
      out << "\n保留: 次回送信します。\n";
      return kExitQueued;
    case transport::DeliveryState::kFailed:
      break;
  }
  err << "mamori-agent once: " << result.last_error.message() << "\n";
  if (result.last_error.code() == StatusCode::kUnauthenticated) {
    err << "the collector no longer accepts this agent's key: enroll again "
           "with a new token / 再登録が必要です\n";
  }
  return kExitFailed;
}

}  // namespace mamori::agent

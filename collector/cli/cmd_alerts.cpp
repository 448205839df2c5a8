#include "collector/cli/cmd_alerts.h"

#include <boost/program_options.hpp>
#include <optional>

#include "collector/alerts/alert_service.h"
#include "collector/alerts/delivery.h"
#include "collector/cli/cli_common.h"
#include "collector/cli/scheduled_reports.h"
#include "collector/pki/crypto.h"
#include "collector/store/open_store.h"
#include "common/text.h"

namespace mamori::collector_cli {
namespace {

namespace po = boost::program_options;

constexpr std::string_view kCommand = "alerts";

constexpr const char* kUsage =
    R"(usage: mamori-collector alerts <command> [--data DIR] [--org NAME] ...

Alerts by e-mail and signed webhook when a host starts failing a check,
installs banned software, stops reporting, or a rule's grade changes; one
alert per host and subject until it clears. `serve` raises them after each
re-grade and delivers them; failed deliveries are retried with backoff.

commands:
  channels   --org NAME                  the channels (secrets never shown)
  channels add --org NAME (--email ADDRESS [--lang ja|en] | --webhook URL)
             [--schedule immediate|daily|weekly]
             a webhook's signing secret is printed once, keep it
  channels remove --org NAME ID
  settings   --org NAME [--silent-days N] [--max-per-hour N]
  list       --org NAME [--open] [--limit N]   events raised and cleared
  queue      --org NAME [--limit N]   deliveries: sent, pending, failed (with
             the error, attempts and the next retry)
  test       --org NAME [--channel ID] [delivery options]
             queue a test message and deliver what is due now
  deliver    [delivery options]   one round as serve does it: alerts from the
             stored grading results, silent hosts, digests, due deliveries
  history    --org NAME [--limit N]   who changed the channels and settings

delivery options: --smtp-host, --smtp-port, --smtp-from, --smtp-user,
  --smtp-password-file, --smtp-ca, --smtp-timeout SECONDS (as `serve`),
  --webhook-ca FILE (PEM CAs for webhook servers; default: system CAs)

common options:
  --data DIR    collector data directory (default: /var/lib/mamori-collector)
  --store URL   the database instead of DIR/collector.db: postgresql://…
                (shared by several collectors) or sqlite:PATH
  --actor NAME  who makes the change, for the audit trail
Run `mamori-collector alerts <command> --help` for a command's options.
)";

struct Common {
  std::string data_dir;
  std::string store_url;
  std::string org;
  std::string actor;
};

void AddCommon(po::options_description* d, Common* c) {
  d->add_options()("data",
                   po::value(&c->data_dir)->default_value(kDefaultDataDir),
                   "collector data directory")("org", po::value(&c->org),
                                               "organisation name")(
      "actor", po::value(&c->actor),
      "who makes the change, for the audit trail (default: your user name)");
  AddStoreFlag(*d, &c->store_url);
}

struct Delivery {
  report::SmtpSettings smtp;
  std::string password_file;
  int64_t smtp_timeout = 30;
  std::string webhook_ca;
};

void AddDelivery(po::options_description* d, Delivery* o) {
  AddSmtpFlags(*d, &o->smtp, &o->password_file);
  d->add_options()("smtp-timeout",
                   po::value(&o->smtp_timeout)->default_value(30),
                   "seconds to wait for the SMTP server")(
      "webhook-ca", po::value(&o->webhook_ca),
      "PEM CA file for webhook servers (default: system CAs)");
}

Result<alerts::DeliveryOptions> Options(Delivery& o) {
  MAMORI_RETURN_IF_ERROR(LoadSmtpPassword(o.password_file, &o.smtp));
  if (o.smtp_timeout < 1 || o.smtp_timeout > 600) {
    return InvalidArgumentError("--smtp-timeout must be 1..600 seconds");
  }
  alerts::DeliveryOptions options;
  options.smtp = o.smtp;
  options.smtp.timeout = std::chrono::seconds(o.smtp_timeout);
  options.webhook_ca_file = o.webhook_ca;
  return options;
}

int Usage(const std::string& message, std::ostream& err) {
  return UsageError(kCommand, message, err);
}

std::optional<int> Parse(std::string_view sub, std::string_view synopsis,
                         const std::vector<std::string>& args,
                         const po::options_description& options,
                         const po::positional_options_description& positional,
                         po::variables_map* vm, std::ostream& out,
                         std::ostream& err) {
  return ParseFlags(std::string(kCommand) + " " + std::string(sub), synopsis,
                    options, positional, args, *vm, out, err);
}

struct Opened {
  std::unique_ptr<alerts::AlertService> service;
  int64_t org_id = 0;
  std::string url;
  DataPaths paths;
};

Result<Opened> Open(const Common& c, alerts::DeliveryOptions options = {}) {
  const DataPaths paths = DataPaths::For(c.data_dir, c.store_url);
  // Opening the core store checks the database exists and migrates it.
  auto core = OpenStore(paths, SystemClock::Instance());
  if (!core.ok()) return core.status();
  core->reset();
  const std::string url = paths.store_url;
  auto service = alerts::AlertService::Open(url, std::move(options),
                                            SystemClock::Instance());
  if (!service.ok()) return service.status();
  Opened opened{std::move(*service), 0, url, paths};
  if (!c.org.empty()) {
    auto id = opened.service->store().OrgId(c.org);
    if (!id.ok()) return id.status();
    opened.org_id = *id;
  }
  return opened;
}

std::string Actor(const Common& c) {
  return c.actor.empty() ? DefaultActor() : c.actor;
}

int CmdChannels(const std::vector<std::string>& args, std::ostream& out,
                std::ostream& err) {
  std::string action = "list";
  std::vector<std::string> rest = args;
  if (!rest.empty() &&
      (rest[0] == "add" || rest[0] == "remove" || rest[0] == "list")) {
    action = rest[0];
    rest.erase(rest.begin());
  }
  Common c;
  std::string email, webhook, lang = "ja", schedule = "immediate";
  int64_t id = 0;
  po::options_description d("alerts channels " + action);
  AddCommon(&d, &c);
  po::positional_options_description pos;
  if (action == "add") {
    d.add_options()("email", po::value(&email), "recipient address")(
        "webhook", po::value(&webhook), "https:// URL to POST to")(
        "lang", po::value(&lang)->default_value("ja"), "ja or en (e-mail)")(
        "schedule", po::value(&schedule)->default_value("immediate"),
        "immediate, daily or weekly (digest)");
  } else if (action == "remove") {
    d.add_options()("id", po::value(&id), "channel id");
    pos.add("id", 1);
  }
  po::variables_map vm;
  if (auto rc = Parse("channels " + action,
                      action == "add"
                          ? "--org NAME (--email ADDRESS [--lang ja|en] | "
                            "--webhook URL) [--schedule immediate|daily|weekly]"
                      : action == "remove" ? "--org NAME ID"
                                           : "--org NAME",
                      rest, d, pos, &vm, out, err)) {
    return *rc;
  }
  if (c.org.empty()) return Usage("--org NAME is required", err);
  auto opened = Open(c);
  if (!opened.ok()) return Failure(kCommand, opened.status(), err);
  store::AlertPort& port = opened->service->store();
  const TimePoint now = SystemClock::Instance().Now();
  if (action == "add") {
    if (email.empty() == webhook.empty()) {
      return Usage("give one of --email ADDRESS or --webhook URL", err);
    }
    if (lang != "ja" && lang != "en")
      return Usage("--lang must be ja or en", err);
    if (schedule != "immediate" && schedule != "daily" &&
        schedule != "weekly") {
      return Usage("--schedule must be immediate, daily or weekly", err);
    }
    const Status valid = email.empty() ? alerts::ValidateWebhookUrl(webhook)
                                       : alerts::ValidateEmailAddress(email);
    if (!valid.ok()) return Usage(valid.message(), err);
    store::AlertChannel channel;
    channel.kind = email.empty() ? "webhook" : "email";
    channel.target = email.empty() ? webhook : email;
    channel.language = lang;
    channel.schedule = schedule;
    const std::string secret =
        email.empty() ? pki::RandomSecret(32) : std::string();
    auto added =
        port.AddChannel(opened->org_id, channel, secret, Actor(c), now);
    if (!added.ok()) return Failure(kCommand, added.status(), err);
    out << "channel #" << *added << ": " << channel.kind << " "
        << TerminalSafe(channel.target) << " (" << lang << ", " << schedule
        << ")\n";
    if (!secret.empty()) {
      out << "signing secret (shown once; X-Mamori-Signature is "
             "HMAC-SHA256 of \"<X-Mamori-Timestamp>.<body>\"):\n"
          << secret << "\n";
    }
    return kExitOk;
  }
  if (action == "remove") {
    if (id <= 0) return Usage("ID (a channel number) is required", err);
    if (Status s = port.RemoveChannel(opened->org_id, id, Actor(c), now);
        !s.ok()) {
      return Failure(kCommand, s, err);
    }
    out << "channel #" << id << " removed\n";
    return kExitOk;
  }
  auto channels = port.Channels(opened->org_id);
  if (!channels.ok()) return Failure(kCommand, channels.status(), err);
  if (channels->empty()) {
    out << "no alert channels for " << TerminalSafe(c.org) << "\n";
    return kExitOk;
  }
  for (const auto& ch : *channels) {
    out << "#" << ch.id << "  " << Column(ch.kind, 8) << Column(ch.target, 40)
        << " " << ch.language << "  " << Column(ch.schedule, 10)
        << (ch.enabled ? "" : " disabled");
    if (ch.kind == "webhook") out << " secret " << ch.secret_hint << "…";
    out << "\n";
  }
  return kExitOk;
}

int CmdSettings(const std::vector<std::string>& args, std::ostream& out,
                std::ostream& err) {
  Common c;
  po::options_description d("alerts settings");
  AddCommon(&d, &c);
  d.add_options()("silent-days", po::value<int>(),
                  "a host silent this many days raises an alert (1..365)")(
      "max-per-hour", po::value<int>(),
      "messages per channel and hour before the rest are batched (1..1000)");
  po::variables_map vm;
  if (auto rc =
          Parse("settings", "--org NAME [--silent-days N] [--max-per-hour N]",
                args, d, {}, &vm, out, err)) {
    return *rc;
  }
  if (c.org.empty()) return Usage("--org NAME is required", err);
  auto opened = Open(c);
  if (!opened.ok()) return Failure(kCommand, opened.status(), err);
  store::AlertPort& port = opened->service->store();
  auto settings = port.Settings(opened->org_id);
  if (!settings.ok()) return Failure(kCommand, settings.status(), err);
  if (vm.count("silent-days") || vm.count("max-per-hour")) {
    if (vm.count("silent-days")) {
      settings->silent_days = vm["silent-days"].as<int>();
    }
    if (vm.count("max-per-hour")) {
      settings->max_per_hour = vm["max-per-hour"].as<int>();
    }
    if (Status s = port.SetSettings(opened->org_id, *settings, Actor(c),
                                    SystemClock::Instance().Now());
        !s.ok()) {
      return s.code() == StatusCode::kInvalidArgument
                 ? Usage(s.message(), err)
                 : Failure(kCommand, s, err);
    }
  }
  out << "silent-days " << settings->silent_days << "\nmax-per-hour "
      << settings->max_per_hour << "\n";
  return kExitOk;
}

int CmdList(const std::vector<std::string>& args, std::ostream& out,
            std::ostream& err) {
  Common c;
  int limit = 100;
  po::options_description d("alerts list");
  AddCommon(&d, &c);
  d.add_options()("open", po::bool_switch(), "only alerts not cleared")(
      "limit", po::value(&limit)->default_value(100),
      "at most N, newest first");
  po::variables_map vm;
  if (auto rc = Parse("list", "--org NAME [--open] [--limit N]", args, d, {},
                      &vm, out, err)) {
    return *rc;
  }
  if (c.org.empty()) return Usage("--org NAME is required", err);
  if (limit < 1) return Usage("--limit must be at least 1", err);
  auto opened = Open(c);
  if (!opened.ok()) return Failure(kCommand, opened.status(), err);
  auto events = opened->service->store().Events(opened->org_id,
                                                vm["open"].as<bool>(), limit);
  if (!events.ok()) return Failure(kCommand, events.status(), err);
  if (events->empty()) {
    out << "no alerts\n";
    return kExitOk;
  }
  for (const auto& e : *events) {
    const auto& k = e.condition;
    out << "#" << e.id << "  " << FormatTime(e.raised_at) << "  "
        << (e.cleared_at ? "cleared " + FormatTime(*e.cleared_at)
                         : std::string("open"))
        << "  " << k.kind << "  " << TerminalSafe(k.hostname) << "  "
        << TerminalSafe(k.subject_en.empty() ? k.subject : k.subject_en);
    if (!k.detail.empty()) out << "  " << TerminalSafe(k.detail);
    out << "\n";
  }
  return kExitOk;
}

int CmdQueue(const std::vector<std::string>& args, std::ostream& out,
             std::ostream& err) {
  Common c;
  int limit = 100;
  po::options_description d("alerts queue");
  AddCommon(&d, &c);
  d.add_options()("limit", po::value(&limit)->default_value(100),
                  "at most N, newest first");
  po::variables_map vm;
  if (auto rc = Parse("queue", "--org NAME [--limit N]", args, d, {}, &vm, out,
                      err)) {
    return *rc;
  }
  if (c.org.empty()) return Usage("--org NAME is required", err);
  if (limit < 1) return Usage("--limit must be at least 1", err);
  auto opened = Open(c);
  if (!opened.ok()) return Failure(kCommand, opened.status(), err);
  auto deliveries = opened->service->store().Deliveries(opened->org_id, limit);
  if (!deliveries.ok()) return Failure(kCommand, deliveries.status(), err);
  if (deliveries->empty()) {
    out << "no deliveries\n";
    return kExitOk;
  }
  for (const auto& d : *deliveries) {
    out << "#" << d.id << "  " << FormatTime(d.created_at) << "  "
        << Column(d.state, 8) << Column(d.purpose, 7) << " " << d.channel_kind
        << " " << TerminalSafe(d.target) << "  events " << d.event_ids.size()
        << "  attempts " << d.attempts;
    if (d.sent_at) out << "  sent " << FormatTime(*d.sent_at);
    if (d.state != "sent" && d.next_attempt_at != TimePoint{}) {
      out << "  next " << FormatTime(d.next_attempt_at);
    } else if (d.state == "failed") {
      out << "  given up";
    }
    if (!d.last_error.empty()) out << "  error: " << TerminalSafe(d.last_error);
    out << "\n";
  }
  return kExitOk;
}

// Runs what serve's alert thread does once; prints the round.
int DeliverRound(Opened& opened, bool with_grading, std::ostream& out,
                 std::ostream& err) {
  if (with_grading) {
    auto grading = policy::GradingService::Open(
        {opened.url, opened.paths.root + "/policies"}, SystemClock::Instance());
    if (!grading.ok()) return Failure(kCommand, grading.status(), err);
    auto orgs = opened.service->store().Orgs();
    if (!orgs.ok()) return Failure(kCommand, orgs.status(), err);
    for (int64_t org_id : *orgs) {
      if (Status s = opened.service->AfterGrading(org_id, **grading); !s.ok()) {
        return Failure(kCommand, s, err);
      }
    }
  }
  if (Status s = opened.service->Sweep(); !s.ok()) {
    return Failure(kCommand, s, err);
  }
  auto round = opened.service->DeliverDue(1000);
  if (!round.ok()) return Failure(kCommand, round.status(), err);
  out << "delivered " << round->sent << ", failed " << round->failed
      << (round->failed > 0 ? " (kept for retry: see `alerts queue`)" : "")
      << "\n";
  return round->failed > 0 ? kExitFailure : kExitOk;
}

int CmdTest(const std::vector<std::string>& args, std::ostream& out,
            std::ostream& err) {
  Common c;
  Delivery o;
  int64_t channel = 0;
  po::options_description d("alerts test");
  AddCommon(&d, &c);
  AddDelivery(&d, &o);
  d.add_options()("channel", po::value(&channel),
                  "only this channel (default: every enabled one)");
  po::variables_map vm;
  if (auto rc = Parse("test", "--org NAME [--channel ID] [delivery options]",
                      args, d, {}, &vm, out, err)) {
    return *rc;
  }
  if (c.org.empty()) return Usage("--org NAME is required", err);
  auto options = Options(o);
  if (!options.ok()) return Failure(kCommand, options.status(), err);
  auto opened = Open(c, *options);
  if (!opened.ok()) return Failure(kCommand, opened.status(), err);
  if (Status s = opened->service->QueueTest(opened->org_id, channel); !s.ok()) {
    return Failure(kCommand, s, err);
  }
  return DeliverRound(*opened, false, out, err);
}

int CmdDeliver(const std::vector<std::string>& args, std::ostream& out,
               std::ostream& err) {
  Common c;
  Delivery o;
  po::options_description d("alerts deliver");
  AddCommon(&d, &c);
  AddDelivery(&d, &o);
  po::variables_map vm;
  if (auto rc =
          Parse("deliver", "[delivery options]", args, d, {}, &vm, out, err)) {
    return *rc;
  }
  auto options = Options(o);
  if (!options.ok()) return Failure(kCommand, options.status(), err);
  c.org.clear();
  auto opened = Open(c, *options);
  if (!opened.ok()) return Failure(kCommand, opened.status(), err);
  return DeliverRound(*opened, true, out, err);
}

int CmdHistory(const std::vector<std::string>& args, std::ostream& out,
               std::ostream& err) {
  Common c;
  int limit = 50;
  po::options_description d("alerts history");
  AddCommon(&d, &c);
  d.add_options()("limit", po::value(&limit)->default_value(50),
                  "at most N, newest first");
  po::variables_map vm;
  if (auto rc = Parse("history", "--org NAME [--limit N]", args, d, {}, &vm,
                      out, err)) {
    return *rc;
  }
  if (c.org.empty()) return Usage("--org NAME is required", err);
  auto opened = Open(c);
  if (!opened.ok()) return Failure(kCommand, opened.status(), err);
  auto history = opened->service->store().History(opened->org_id, limit);
  if (!history.ok()) return Failure(kCommand, history.status(), err);
  for (const auto& h : *history) {
    out << FormatTime(h.at) << "  " << TerminalSafe(h.who) << "  " << h.action
        << "  " << TerminalSafe(h.detail) << "\n";
  }
  return kExitOk;
}

}  // namespace

int RunAlerts(const std::vector<std::string>& args, std::ostream& out,
              std::ostream& err) {
  static const std::vector<Subcommand> kSubcommands = {
      {"channels", CmdChannels}, {"settings", CmdSettings},
      {"list", CmdList},         {"queue", CmdQueue},
      {"test", CmdTest},         {"deliver", CmdDeliver},
      {"history", CmdHistory},
  };
  return RunSubcommand(kCommand, kUsage, kSubcommands, args, out, err);
}

}  // namespace mamori::collector_cli

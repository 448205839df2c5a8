// Alerts end to end on a real SQLite file and real servers on loopback:
// fixture hosts through the real enrolment and report path, a banned title
// graded by GradingService, alerts raised from the stored results, mailed
// through Debian's aiosmtpd (STARTTLS and AUTH required; tests/
// alerts_smtp_sink.py) in Japanese and English, and POSTed to an HTTPS
// receiver that checks the HMAC signature (tests/alerts_webhook_receiver.py).
// Then: nothing is sent twice, a cleared condition alerts again when it
// returns, silent hosts and grade changes alert, and a refusing, a silent
// and a wrong-certificate SMTP server each leave a failed delivery with a
// retry time, which a later round delivers once.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "collector/alerts/alert_service.h"
#include "collector/alerts/delivery.h"
#include "collector/policy/grading_service.h"
#include "collector/store/open_store.h"
#include "common/clock.h"

extern char** environ;

namespace mamori {
namespace {

namespace fs = std::filesystem;
using std::chrono::hours;
using std::chrono::minutes;

constexpr char kOrg[] = "株式会社アラート";
constexpr char kHostileHost[] = "pc-02\r\nBcc: victim@example.com";
constexpr char kSmtpUser[] = "mamori";
constexpr char kSmtpPassword[] = "sink-password-1";

constexpr char kWindows[] =
    R"({"os_family":"OS_FAMILY_WINDOWS","os_name":"Windows 11 Pro","os_build":26100,"os_edition":"Professional","role":"ENDPOINT_ROLE_LAPTOP"})";

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A helper process (python3 server) killed at the end of the test.
class Process {
 public:
  explicit Process(std::vector<std::string> argv) {
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    if (posix_spawn(&pid_, args[0], nullptr, nullptr, args.data(), environ) !=
        0) {
      pid_ = -1;
    }
  }
  ~Process() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
  }
  bool started() const { return pid_ > 0; }

 private:
  pid_t pid_ = -1;
};

// Waits for a server's port file.
int WaitPort(const fs::path& file) {
  for (int i = 0; i < 200; ++i) {
    if (fs::exists(file)) return std::stoi(ReadAll(file));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return 0;
}

std::vector<fs::path> Files(const fs::path& dir, const std::string& ext) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ext) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Decodes a mail with Python's email package: subject and text body.
std::string Decode(const fs::path& eml) {
  const fs::path out = eml.string() + ".txt";
  const std::string cmd =
      "/usr/bin/python3 -c \"import email,email.header,sys; "
      "m=email.message_from_binary_file(open(sys.argv[1],'rb')); "
      "s=str(email.header.make_header(email.header.decode_header(m['Subject']))"
      ");"
      "b=[p for p in m.walk() if p.get_content_type()=='text/plain'][0]"
      ".get_payload(decode=True).decode('utf-8');"
      "h=[k for k in m.keys()];"
      "open(sys.argv[2],'w').write('SUBJECT '+s+'\\nHEADERS '+' '.join(h)+"
      "'\\nHTML '+str(any(p.get_content_type()=='text/html' for p in "
      "m.walk()))+"
      "'\\n'+b)\" " +
      eml.string() + " " + out.string();
  if (std::system(cmd.c_str()) != 0) return "<undecodable>";
  return ReadAll(out);
}

class AlertsDeliveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("mamori-alerts-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "mail");
    fs::create_directories(dir_ / "hooks");
    fs::create_directories(dir_ / "badmail");
    // The test CA's certificate for 127.0.0.1, and a stranger's.
    for (const char* name : {"good", "stranger"}) {
      const std::string cmd =
          "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
          "-nodes -days 2 -subj /CN=localhost -addext "
          "subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout " +
          (dir_ / (std::string(name) + ".key")).string() + " -out " +
          (dir_ / (std::string(name) + ".crt")).string() + " 2>/dev/null";
      ASSERT_EQ(std::system(cmd.c_str()), 0);
    }
    url_ = store::SqliteUrl((dir_ / "collector.db").string());
    auto store = store::OpenStore(url_, clock_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
    ASSERT_TRUE(store_->CreateOrg({kOrg, "", std::nullopt, ""}).ok());
    ASSERT_TRUE(store_->CreateOrg({"other", "", std::nullopt, ""}).ok());
  }
  void TearDown() override {
    processes_.clear();
    store_.reset();
    fs::remove_all(dir_);
  }

  int StartSmtp(const std::string& cert, const fs::path& out) {
    const fs::path port = out / "port";
    processes_.push_back(std::make_unique<Process>(std::vector<std::string>{
        "/usr/bin/python3", "tests/alerts_smtp_sink.py",
        (dir_ / (cert + ".crt")).string(), (dir_ / (cert + ".key")).string(),
        port.string(), out.string(), kSmtpUser, kSmtpPassword}));
    return WaitPort(port);
  }
  int StartReceiver() {
    const fs::path port = dir_ / "hooks" / "port";
    processes_.push_back(std::make_unique<Process>(std::vector<std::string>{
        "/usr/bin/python3", "tests/alerts_webhook_receiver.py",
        (dir_ / "good.crt").string(), (dir_ / "good.key").string(),
        port.string(), (dir_ / "hooks").string(), (dir_ / "secret").string()}));
    return WaitPort(port);
  }

  int64_t AddHost(const std::string& name,
                  const std::vector<store::PackageRow>& packages) {
    auto token = store_->CreateToken({kOrg, std::nullopt, std::nullopt});
    EXPECT_TRUE(token.ok());
    store::EnrollInput in;
    in.token = token->token;
    in.identity.hostname = name;
    in.identity.machine_id = "machine-" + std::to_string(++hosts_);
    in.node_key_hash = "key-" + std::to_string(hosts_);
    auto enrolled = store_->Enroll(in);
    EXPECT_TRUE(enrolled.ok()) << enrolled.status().ToString();
    store::ReportInput report;
    report.host_id = enrolled->host_id;
    report.node_key_hash = in.node_key_hash;
    report.report_id = "r-" + std::to_string(hosts_);
    report.collected_at = ToUnixSeconds(clock_.Now() - minutes(5));
    report.hostname = name;
    report.families.push_back({"system", "STATUS_OK", report.collected_at,
                               kWindows, "sha-" + std::to_string(hosts_)});
    report.families.push_back({"packages", "STATUS_OK", report.collected_at,
                               "{}", "sha-pk-" + std::to_string(hosts_)});
    report.packages = packages;
    auto stored =
        store_->StoreReports(std::span<const store::ReportInput>(&report, 1));
    EXPECT_TRUE(stored[0].ok()) << stored[0].status().ToString();
    return enrolled->host_id;
  }

  alerts::DeliveryOptions Options(int smtp_port) {
    alerts::DeliveryOptions o;
    o.smtp.host = "127.0.0.1";
    o.smtp.port = smtp_port;
    o.smtp.from = "mamori@example.jp";
    o.smtp.user = kSmtpUser;
    o.smtp.password = kSmtpPassword;
    o.smtp.ca_file = (dir_ / "good.crt").string();
    o.smtp.timeout = std::chrono::seconds(2);
    o.webhook_ca_file = (dir_ / "good.crt").string();
    o.webhook_timeout = std::chrono::seconds(5);
    return o;
  }

  // One serve round: re-grade, raise, deliver.
  alerts::DeliveryRound Round(policy::GradingService& grading,
                              alerts::AlertService& alerts, int64_t org_id) {
    EXPECT_TRUE(grading.EvaluateOrgId(org_id).ok());
    Status raised = alerts.AfterGrading(org_id, grading);
    EXPECT_TRUE(raised.ok()) << raised.ToString();
    Status swept = alerts.Sweep();
    EXPECT_TRUE(swept.ok()) << swept.ToString();
    auto round = alerts.DeliverDue();
    EXPECT_TRUE(round.ok()) << round.status().ToString();
    return round.ok() ? *round : alerts::DeliveryRound{};
  }

  // The clock starts at the real time: the webhook receiver checks the
  // signed timestamp against its own clock.
  FakeClock clock_{FromUnixSeconds(ToUnixSeconds(SystemClock().Now()))};
  fs::path dir_;
  std::string url_;
  std::unique_ptr<store::Store> store_;
  std::vector<std::unique_ptr<Process>> processes_;
  int hosts_ = 0;
};

std::vector<store::AlertEvent> EventsOf(store::AlertPort& port, int64_t org,
                                        bool open_only) {
  auto events = port.Events(org, open_only, 1000);
  EXPECT_TRUE(events.ok()) << events.status().ToString();
  return events.ok() ? *events : std::vector<store::AlertEvent>{};
}

std::vector<store::AlertDelivery> DeliveriesOf(store::AlertPort& port,
                                               int64_t org) {
  auto deliveries = port.Deliveries(org, 100);
  EXPECT_TRUE(deliveries.ok()) << deliveries.status().ToString();
  return deliveries.ok() ? *deliveries : std::vector<store::AlertDelivery>{};
}

store::PackageRow Win(const std::string& name, const std::string& version) {
  return {name,     version,   "x64",       "PACKAGE_SOURCE_WINDOWS_UNINSTALL",
          "Vendor", "machine", std::nullopt};
}

TEST_F(AlertsDeliveryTest, RightMailsOnceEachInJapaneseAndSignedWebhooks) {
  const int smtp = StartSmtp("good", dir_ / "mail");
  ASSERT_GT(smtp, 0) << "the aiosmtpd sink did not start";
  const int hook = StartReceiver();
  ASSERT_GT(hook, 0) << "the webhook receiver did not start";

  AddHost("pc-01", {Win("7-Zip 23.01", "23.01")});
  const int64_t hostile =
      AddHost(kHostileHost, {Win("TeamViewer 15", "15.2.1")});

  auto grading = policy::GradingService::Open({url_, ""}, clock_);
  ASSERT_TRUE(grading.ok()) << grading.status().ToString();
  auto service = alerts::AlertService::Open(url_, Options(smtp), clock_);
  ASSERT_TRUE(service.ok()) << service.status().ToString();
  store::AlertPort& port = (*service)->store();
  const int64_t org = *port.OrgId(kOrg);

  auto software = store::OpenSoftwareStore(url_);
  ASSERT_TRUE(software.ok());
  const store::SoftwareRule ban{"ban", "title", "teamviewer", ""};
  ASSERT_TRUE((*software)->AddRule(org, ban, "admin", clock_.Now()).ok());

  store::AlertChannel ja;
  ja.kind = "email";
  ja.target = "jp@example.jp";
  ja.language = "ja";
  ja.schedule = "immediate";
  store::AlertChannel en = ja;
  en.target = "en@example.com";
  en.language = "en";
  store::AlertChannel webhook = ja;
  webhook.kind = "webhook";
  webhook.target = "https://127.0.0.1:" + std::to_string(hook) + "/mamori";
  const std::string secret = "whsec-0123456789-abcdefghij";
  std::ofstream(dir_ / "secret") << secret;
  for (const auto* c : {&ja, &en}) {
    ASSERT_TRUE(port.AddChannel(org, *c, "", "admin", clock_.Now()).ok());
  }
  ASSERT_TRUE(
      port.AddChannel(org, webhook, secret, "admin", clock_.Now()).ok());
  ASSERT_TRUE(port.SetSettings(org, {7, 1000}, "admin", clock_.Now()).ok());

  // First round: every alert once on each channel.
  auto first = Round(**grading, **service, org);
  auto events = port.Events(org, true, 1000);
  ASSERT_TRUE(events.ok());
  int banned = 0;
  for (const auto& e : *events) {
    if (e.condition.kind == store::kAlertBannedSoftware) {
      ++banned;
      EXPECT_EQ(e.condition.host_id, hostile);
      EXPECT_EQ(e.condition.subject, "teamviewer");
      EXPECT_EQ(e.condition.detail, "TeamViewer 15 15.2.1");
    }
  }
  EXPECT_EQ(banned, 1);
  const size_t n = events->size();
  EXPECT_EQ(first.sent, static_cast<int>(3 * n));
  EXPECT_EQ(first.failed, 0);
  auto mails = Files(dir_ / "mail", ".eml");
  ASSERT_EQ(mails.size(), 2 * n);
  int ja_banned_mails = 0;
  for (const auto& m : mails) {
    const std::string env = ReadAll(fs::path(m).replace_extension(".env"));
    EXPECT_NE(env.find("auth mamori"), std::string::npos) << env;
    // One recipient per mail: the CR/LF in the host name added no Bcc.
    EXPECT_EQ(std::count(env.begin(), env.end(), '\n'), 3) << env;
    EXPECT_EQ(env.find("victim"), std::string::npos) << env;
    const std::string text = Decode(m);
    const size_t headers = text.find("\nHEADERS ");
    ASSERT_NE(headers, std::string::npos) << text;
    const std::string names =
        text.substr(headers, text.find('\n', headers + 1) - headers);
    EXPECT_EQ(names.find("Bcc"), std::string::npos) << names;
    EXPECT_NE(text.find("HTML False"), std::string::npos) << text;
    if (env.find("to jp@example.jp") != std::string::npos &&
        text.find("禁止ソフトウェア「TeamViewer」がインストールされています") !=
            std::string::npos) {
      ++ja_banned_mails;
      EXPECT_NE(text.find("SUBJECT [mamori] 株式会社アラート: pc-02\\x0d\\x0a"
                          "Bcc: victim@example.com: 禁止ソフトウェア"),
                std::string::npos)
          << text;
      EXPECT_NE(text.find("証跡: TeamViewer 15 15.2.1"), std::string::npos)
          << text;
    }
  }
  EXPECT_EQ(ja_banned_mails, 1);
  auto hooks = Files(dir_ / "hooks", ".json");
  ASSERT_EQ(hooks.size(), n);
  int hook_banned = 0;
  for (const auto& h : hooks) {
    auto j = nlohmann::json::parse(ReadAll(h));
    EXPECT_TRUE(j["valid"].get<bool>()) << j.dump();
    EXPECT_EQ(j["path"], "/mamori");
    auto body = nlohmann::json::parse(j["body"].get<std::string>());
    EXPECT_EQ(body["organisation"], kOrg);
    if (body["events"][0]["kind"] == "banned_software") {
      ++hook_banned;
      EXPECT_EQ(body["events"][0]["hostname"], kHostileHost);
    }
  }
  EXPECT_EQ(hook_banned, 1);

  // Nothing changed: nothing is sent again.
  clock_.Advance(std::chrono::seconds(30));
  auto second = Round(**grading, **service, org);
  EXPECT_EQ(second.sent, 0);
  EXPECT_EQ(Files(dir_ / "mail", ".eml").size(), 2 * n);

  // The ban lifted clears the alert; banned again, it alerts again, once.
  ASSERT_TRUE((*software)->RemoveRule(org, ban, "admin", clock_.Now()).ok());
  clock_.Advance(std::chrono::seconds(30));
  Round(**grading, **service, org);
  for (const auto& e : EventsOf(port, org, true)) {
    EXPECT_NE(e.condition.kind, store::kAlertBannedSoftware);
  }
  ASSERT_TRUE((*software)->AddRule(org, ban, "admin", clock_.Now()).ok());
  clock_.Advance(std::chrono::seconds(30));
  auto again = Round(**grading, **service, org);
  EXPECT_EQ(again.sent, 3);
  EXPECT_EQ(Files(dir_ / "mail", ".eml").size(), 2 * n + 2);

  // A rule's grade changing alerts once per rule.
  auto snapshot = (*grading)->store().GradeHistory(org, 1);
  ASSERT_TRUE(snapshot.ok() && !snapshot->empty());
  auto grades = nlohmann::json::parse(snapshot->front().rules_json);
  const std::string rule = grades.begin().key();
  const std::string grade = grades.begin().value();
  grades[rule] = grade == "A" ? "D" : "A";
  ASSERT_TRUE(port.SetSeenGrades(org, grades.dump()).ok());
  ASSERT_TRUE((*service)->AfterGrading(org, **grading).ok());
  int grade_events = 0;
  for (const auto& e : EventsOf(port, org, false)) {
    if (e.condition.kind == store::kAlertGradeChanged) {
      ++grade_events;
      EXPECT_EQ(e.condition.subject, rule);
      EXPECT_EQ(e.condition.detail,
                std::string(grade == "A" ? "D" : "A") + " → " + grade);
    }
  }
  EXPECT_EQ(grade_events, 1);
  EXPECT_EQ((*service)->DeliverDue()->sent, 3);

  // Eight days without a report: both hosts are silent, once.
  clock_.Advance(hours(24 * 8));
  ASSERT_TRUE((*service)->Sweep().ok());
  ASSERT_TRUE((*service)->Sweep().ok());
  int silent = 0;
  for (const auto& e : EventsOf(port, org, true)) {
    silent += e.condition.kind == store::kAlertHostSilent;
  }
  EXPECT_EQ(silent, 2);
  // The webhook receiver refuses the now eight-day-old timestamps: those
  // deliveries fail and wait for a retry; the mails go.
  auto late = (*service)->DeliverDue();
  EXPECT_EQ(late->sent, 4);
  EXPECT_EQ(late->failed, 2);
  EXPECT_TRUE(port.Events((*port.OrgId("other")), false, 10)->empty());
}

TEST_F(AlertsDeliveryTest, BrokenServersLeaveAFailedDeliveryWithARetry) {
  auto grading = policy::GradingService::Open({url_, ""}, clock_);
  ASSERT_TRUE(grading.ok());
  AddHost("pc-01", {Win("TeamViewer 15", "15.2.1")});
  auto opened = alerts::AlertService::Open(url_, Options(0), clock_);
  ASSERT_TRUE(opened.ok());
  store::AlertPort& port = (*opened)->store();
  const int64_t org = *port.OrgId(kOrg);
  auto software = store::OpenSoftwareStore(url_);
  ASSERT_TRUE((*software)
                  ->AddRule(org, {"ban", "title", "teamviewer", ""}, "admin",
                            clock_.Now())
                  .ok());
  store::AlertChannel mail;
  mail.kind = "email";
  mail.target = "jp@example.jp";
  mail.language = "ja";
  mail.schedule = "immediate";
  ASSERT_TRUE(port.AddChannel(org, mail, "", "admin", clock_.Now()).ok());
  ASSERT_TRUE((*grading)->EvaluateOrgId(org).ok());
  ASSERT_TRUE((*opened)->AfterGrading(org, **grading).ok());
  const auto queued = port.Deliveries(org, 100)->size();
  ASSERT_GE(queued, 1u);

  // A closed port: connection refused.
  int closed_port = 0;
  {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    socklen_t len = sizeof a;
    getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
    closed_port = ntohs(a.sin_port);
    close(s);
  }
  // A server that accepts the connection and never says a word.
  int silent = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(silent, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(listen(silent, 8), 0);
  socklen_t len = sizeof a;
  getsockname(silent, reinterpret_cast<sockaddr*>(&a), &len);
  const int silent_port = ntohs(a.sin_port);
  // A server whose certificate the collector does not trust.
  const int stranger = StartSmtp("stranger", dir_ / "badmail");
  ASSERT_GT(stranger, 0);
  const int good = StartSmtp("good", dir_ / "mail");
  ASSERT_GT(good, 0);

  int attempt = 0;
  for (int smtp_port : {closed_port, silent_port, stranger}) {
    ++attempt;
    auto service = alerts::AlertService::Open(url_, Options(smtp_port), clock_);
    ASSERT_TRUE(service.ok());
    auto round = (*service)->DeliverDue();
    ASSERT_TRUE(round.ok()) << round.status().ToString();
    EXPECT_EQ(round->sent, 0);
    EXPECT_EQ(round->failed, static_cast<int>(queued));
    for (const auto& d : DeliveriesOf(port, org)) {
      EXPECT_EQ(d.state, "failed");
      EXPECT_EQ(d.attempts, attempt);
      EXPECT_GT(d.next_attempt_at, clock_.Now()) << "no retry planned";
      EXPECT_NE(d.last_error.find("127.0.0.1:" + std::to_string(smtp_port)),
                std::string::npos)
          << d.last_error;
    }
    // Not due again before the backoff has passed.
    EXPECT_EQ((*service)->DeliverDue()->failed, 0);
    clock_.Advance(hours(1));
  }
  close(silent);
  EXPECT_TRUE(Files(dir_ / "badmail", ".eml").empty());
  // The alert was kept: the next round against a good server sends it once.
  auto service = alerts::AlertService::Open(url_, Options(good), clock_);
  auto round = (*service)->DeliverDue();
  EXPECT_EQ(round->sent, static_cast<int>(queued));
  EXPECT_EQ(Files(dir_ / "mail", ".eml").size(), queued);
  EXPECT_EQ((*service)->DeliverDue()->sent, 0);
  for (const auto& d : DeliveriesOf(port, org)) {
    EXPECT_EQ(d.state, "sent");
    EXPECT_EQ(d.attempts, 4);
  }
}

}  // namespace
}  // namespace mamori

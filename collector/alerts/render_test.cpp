#include "collector/alerts/render.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "collector/alerts/delivery.h"

namespace mamori::alerts {
namespace {

const TimePoint kNow = FromUnixSeconds(1795132800);  // 2026-11-20T00:00:00Z

store::DeliveryWork Work(const std::string& language,
                         std::vector<store::AlertCondition> conditions) {
  store::DeliveryWork w;
  w.org = "株式会社テスト";
  w.delivery.id = 7;
  w.delivery.language = language;
  w.delivery.purpose = conditions.size() == 1 ? "alert" : "batch";
  int64_t id = 0;
  for (auto& c : conditions) {
    w.events.push_back({++id, 1, std::move(c), kNow, std::nullopt});
  }
  return w;
}

const store::AlertCondition kHostile{
    store::kAlertCheckFailing,
    2,
    "antivirus_on",
    "pc-02\r\nBcc: victim@example.com\r\n\r\n<b>x</b>\u202e",
    "ウイルス対策が有効",
    "Antivirus is on",
    "realtime=false\nX-Evil: 1"};

TEST(RenderMail, JapaneseSubjectAndBodyFromTheCatalogue) {
  auto mail = RenderMail(
      Work("ja", {{store::kAlertBannedSoftware, 1, "teamviewer", "pc-01",
                   "TeamViewer", "TeamViewer", "TeamViewer 15.2"}}));
  EXPECT_EQ(mail.subject,
            "[mamori] 株式会社テスト: pc-01: 禁止ソフトウェア「TeamViewer」が"
            "インストールされています");
  EXPECT_NE(mail.body.find("証跡: TeamViewer 15.2"), std::string::npos);
  EXPECT_NE(mail.body.find("発生: 2026-11-20T00:00:00Z"), std::string::npos);
}

TEST(RenderMail, EndpointStringsCannotBreakTheHeaderOrTheBody) {
  for (const char* language : {"ja", "en"}) {
    auto mail = RenderMail(Work(language, {kHostile}));
    EXPECT_EQ(mail.subject.find_first_of("\r\n"), std::string::npos)
        << mail.subject;
    EXPECT_NE(mail.subject.find("\\x0d\\x0aBcc:"), std::string::npos)
        << mail.subject;
    // The bidi override is shown, not applied.
    EXPECT_EQ(mail.subject.find("\u202e"), std::string::npos);
    EXPECT_EQ(mail.body.find("\nX-Evil"), std::string::npos);
    EXPECT_EQ(mail.body.find("\nBcc"), std::string::npos);
  }
}

TEST(RenderMail, LongValuesAreCutOnACharacterBoundary) {
  store::AlertCondition c = kHostile;
  c.hostname = std::string(199, 'a') + "漢字漢字";
  auto mail = RenderMail(Work("en", {c}));
  EXPECT_LE(mail.subject.size(), 240u + 3);
  EXPECT_NE(mail.subject.find("…"), std::string::npos);
}

TEST(RenderMail, BatchCountsEveryEvent) {
  auto mail = RenderMail(Work("en", {kHostile, kHostile, kHostile}));
  EXPECT_EQ(mail.subject, "[mamori] 株式会社テスト: 3 alerts");
}

TEST(RenderMail, DigestsAndTestsUseTheirOwnSubjects) {
  auto weekly = Work("ja", {kHostile, kHostile});
  weekly.delivery.purpose = "digest";
  weekly.delivery.schedule = "weekly";
  EXPECT_EQ(RenderMail(weekly).subject,
            "[mamori] 株式会社テスト: 今週のアラートのまとめ (2 件)");
  weekly.delivery.schedule = "daily";
  weekly.delivery.language = "en";
  EXPECT_EQ(RenderMail(weekly).subject,
            "[mamori] 株式会社テスト: today's alerts (2)");
  auto test = Work("en", {{store::kAlertTest, 0, "", "", "", "", ""}});
  test.delivery.purpose = "test";
  const RenderedMail mail = RenderMail(test);
  EXPECT_EQ(mail.subject, "[mamori] 株式会社テスト: test notification");
  EXPECT_NE(mail.body.find("alert delivery is set up correctly"),
            std::string::npos);
}

TEST(Expand, OnePassOnly) {
  EXPECT_EQ(Expand("{a}-{b}-{c}", {{"a", "{b}"}, {"b", "x"}}), "{b}-x-{c}");
  EXPECT_EQ(Expand("no close {a", {{"a", "x"}}), "no close {a");
}

TEST(RenderWebhook, ValidJsonWithHostileStrings) {
  store::AlertCondition c = kHostile;
  c.hostname = "bad\xff\xfe utf8 \"quoted\"";
  auto body = nlohmann::json::parse(RenderWebhook(Work("ja", {c})));
  EXPECT_EQ(body["organisation"], "株式会社テスト");
  EXPECT_EQ(body["events"][0]["kind"], "check_failing");
  EXPECT_EQ(body["events"][0]["hostname"], "bad\uFFFD\uFFFD utf8 \"quoted\"");
  EXPECT_TRUE(body["events"][0]["cleared_at"].is_null());
}

TEST(SignWebhook, HmacSha256OfTimestampDotBody) {
  // printf '1795132800.{"a":1}' | openssl dgst -sha256 -hmac
  // s3cret-s3cret-s3cret
  EXPECT_EQ(SignWebhook("s3cret-s3cret-s3cret", 1795132800, R"({"a":1})"),
            "sha256="
            "d0e26a5893b84de3dd3a925c786cd352c13433251c269426efb928cbcf4fe28b");
}

TEST(Validate, WebhookUrlsAndAddresses) {
  EXPECT_TRUE(ValidateWebhookUrl("https://hooks.example.jp/a?b=1").ok());
  EXPECT_FALSE(ValidateWebhookUrl("http://hooks.example.jp/").ok());
  EXPECT_FALSE(ValidateWebhookUrl("https://u:p@hooks.example.jp/").ok());
  EXPECT_FALSE(ValidateWebhookUrl("https://x/\r\nHost: y").ok());
  EXPECT_FALSE(ValidateWebhookUrl("ftp://x/").ok());
  EXPECT_TRUE(ValidateEmailAddress("it@example.jp").ok());
  for (const char* bad : {"", "no-at", "a@b@c", "a@", "@b", "a b@c",
                          "a@b\r\nBcc: x@y", "a@b,c@d", "<a@b>"}) {
    EXPECT_FALSE(ValidateEmailAddress(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace mamori::alerts

// The fact views on PostgreSQL (issue #17) against SQLite's: the same
// declarations (store/schema/fact_views.h) rendered in each dialect, the
// same reports stored through each backend's Store, and every view must
// return the same rows. Then hostile payloads (wrong JSON types, invalid
// times, NUL escapes) must never make a view query fail on PostgreSQL.
// Skipped without MAMORI_TEST_PG_URL (scripts/test.sh runs it under
// scripts/pg-cluster.sh).
#include "collector/store/postgres/pg_fact_views.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "collector/pki/crypto.h"
#include "collector/store/open_store.h"
#include "collector/store/testing/test_database.h"

namespace mamori::store {
namespace {

using testing::Backend;
using testing::TestDatabase;

struct Fact {
  int host;  // 1-based index of the enrolled host
  const char* family;
  const char* state;
  const char* json;
};

// Compliant, failing, odd and empty payloads for every family (the grading
// fixtures of collector/policy/fact_tables_test.cpp and
// tests/grading_checks_test.cpp).
const Fact
    kFacts
        [] =
            {
                {1, "system", "STATUS_OK",
                 R"({"os_family":"OS_FAMILY_WINDOWS","os_name":"Windows 11 Enterprise","os_build":26100,"os_edition":"Enterprise","role":"ENDPOINT_ROLE_LAPTOP","role_evidence":"battery"})"},
                {2, "system", "STATUS_OK",
                 R"({"os_family":"OS_FAMILY_LINUX","os_id":"ubuntu","os_name":"Ubuntu","os_version":"22.04","os_codename":"jammy","os_like":"debian","role":"ENDPOINT_ROLE_VIRTUAL"})"},
                {3, "system", "STATUS_OK",
                 R"({"os_family":"OS_FAMILY_WINDOWS","os_name":"Windows Server 2019","os_build":"17763","role":"ENDPOINT_ROLE_VIRTUAL"})"},
                {4, "system", "STATUS_PERMISSION_DENIED", "{}"},
                {1, "updates", "STATUS_OK",
                 R"({"pending_count":"3","security_pending_count":2,"method":"UPDATE_METHOD_WINDOWS_UPDATE_AGENT","automatic_updates":true,"automatic_updates_evidence":"policy","reboot_required":false,"last_install_at":"2026-11-01T10:00:00Z","pending":[{"name":"KB1","security":true,"published_at":"2026-10-01T00:00:00Z"},{"name":"KB2","security":true},{"name":"KB3","installed_version":"1","candidate_version":"2","origin":"o","severity":"high"}]})"},
                {2, "updates", "STATUS_OK",
                 R"({"method":"UPDATE_METHOD_LIBAPT","lists_refreshed_at":"2026-11-19T00:00:00Z"})"},
                {3, "updates", "STATUS_ERROR", "{}"},
                {1, "antivirus", "STATUS_OK",
                 R"({"products":[{"name":"Microsoft Defender","vendor":"Microsoft","enabled":true,"realtime_protection":true,"definitions_age_hours":5,"source":"wsc"},{"name":"ESET","enabled":false,"definitions_updated_at":"2026-11-18T00:00:00Z","definitions_up_to_date":false,"updater_configured":true}]})"},
                {2, "antivirus", "STATUS_OK", R"({"products":[]})"},
                {3, "antivirus", "STATUS_NOT_APPLICABLE", "{}"},
                {4, "antivirus", "STATUS_OK", R"({"products":[5,null,[1]]})"},
                {1, "usb_storage", "STATUS_OK",
                 R"({"effective_policy":"USB_STORAGE_POLICY_BLOCKED","evidence":[{"source":"gpo","setting":"Deny_All","decisive":false},{"source":"registry","setting":"Start=4","decisive":true}],"attached_storage":[{"name":"stick"}]})"},
                {2, "usb_storage", "STATUS_OK",
                 R"({"effective_policy":"USB_STORAGE_POLICY_READ_ONLY"})"},
                {3, "usb_storage", "STATUS_OK",
                 R"({"effective_policy":"SOMETHING_NEW"})"},
                {1, "wifi", "STATUS_OK",
                 R"({"adapters":[{"name":"Wi-Fi"}],"current":{"ssid":"office","security":"WIFI_SECURITY_WPA2","enterprise":true,"cipher":"CCMP"},"profiles":[{"ssid":"home","security":"WIFI_SECURITY_WPA3","auto_connect":true},{"ssid":"cafe","security":"WIFI_SECURITY_OPEN","hidden":true,"source":"netsh"}]})"},
                {2, "wifi", "STATUS_OK",
                 R"({"adapters":[{"name":"wlan0"}],"current_unknown":true,"profiles":[{"ssid":"old","security":"WIFI_SECURITY_WEP"}]})"},
                {3, "wifi", "STATUS_OK", R"({"current":"not an object"})"},
                {1, "password_policy", "STATUS_OK", R"({"min_length":12,"max_age_days":90,"history_length":24,"min_classes":3,"complexity_required":true,"lockout_threshold":5,"lockout_duration_seconds":"900","hash_method":"yescrypt"})"},
                {2, "password_policy", "STATUS_OK",
                 R"({"min_length":4,"lockout_threshold":0,"accounts_without_password_count":2,"accounts_without_password":["guest","kiosk"]})"},
                {1, "screen_lock", "STATUS_OK",
                 R"({"enabled":true,"idle_timeout_seconds":600,"password_required":true,"lock_on_resume":true,"enforced_by_policy":true,"source":"gpo"})"},
                {2, "screen_lock", "STATUS_UNSUPPORTED", "{}"},
                {1, "disk_encryption", "STATUS_OK",
                 R"({"volumes":[{"device":"D:","state":"ENCRYPTION_STATE_SUSPENDED","removable":true},{"device":"C:","mount_point":"C:\\","state":"ENCRYPTION_STATE_ENCRYPTED","technology":"bitlocker","method":"XTS-AES 256","system_volume":true}]})"},
                {2, "disk_encryption", "STATUS_OK",
                 R"({"volumes":[{"device":"/dev/sda2","state":"ENCRYPTION_STATE_NOT_ENCRYPTED","system_volume":true}]})"},
                {3, "disk_encryption", "STATUS_OK", R"({"volumes":[]})"},
                {1, "firewall", "STATUS_OK",
                 R"({"active":true,"product":"windows","default_inbound":"FIREWALL_ACTION_DROP","rule_count":"310"})"},
                {2, "firewall", "STATUS_OK", R"({"active":false})"},
                {1, "remote_access", "STATUS_OK",
                 R"({"rdp_enabled":true,"rdp_nla_required":true,"rdp_port":3389,"remote_tools":[{"name":"AnyDesk"}]})"},
                {2, "remote_access", "STATUS_OK",
                 R"({"ssh_installed":true,"ssh_running":true,"ssh_password_authentication":false,"ssh_permit_root_login":"prohibit-password","ssh_port":22,"vnc_servers":["x11vnc"]})"},
                {1, "packages", "STATUS_OK", "{}"},
                {1,
                 "service_exposure", "STATUS_OK", R"({"services":[{"protocol":"tcp","address":"0.0.0.0","port":443,"probe_address":"127.0.0.1","pid":4,"process":"System","kind":"https","probe_state":"ok","tls":{"tls1_0":false,"tls1_1":false,"tls1_2":true,"tls1_3":true,"dh_bits":3072,"certificate":{"chained_to_system_ca":true,"key_type":"RSA","key_bits":2048},"negotiated_version":"TLSv1.3"},"http":{"status_code":200,"server":"Microsoft-IIS","hsts":true,"content_security_policy":true,"csp_frame_ancestors":true,"x_frame_options":true,"x_content_type_options":true,"referrer_policy":true,"frame_protection":true}},{"protocol":"tcp","address":"0.0.0.0","port":22,"process":"sshd.exe","kind":"ssh","probe_state":"ok","ssh":{"banner":"SSH-2.0-OpenSSH_for_Windows_9.5","product":"OpenSSH","strict_kex":true,"chacha20_offered":true}},{"protocol":"tcp","address":"127.0.0.1","port":5432,"loopback_only":true,"kind":"other","probe_state":"ok"}]})"},
                {2, "service_exposure", "STATUS_OK",
                 R"({"services":[{"protocol":"tcp","address":"0.0.0.0","port":443,"process":"System","kind":"https","probe_state":"ok","tls":{"tls1_0":true,"tls1_1":true,"tls1_2":true,"tls1_3":false,"weak_ciphers":["TLS_RSA_WITH_3DES_EDE_CBC_SHA"],"dh_bits":1024,"certificate":{"self_signed":true,"chained_to_system_ca":false,"expired":true,"key_type":"RSA","key_bits":1024}},"http":{"status_code":401,"server":"Microsoft-IIS/8.5","powered_by":"ASP.NET","version_disclosed":true,"ntlm_offered":true,"admin_paths":["/admin/","/manager/"]}},{"protocol":"tcp","address":"192.168.1.10","port":22,"process":"sshd.exe","kind":"ssh","probe_state":"ok","ssh":{"banner":"SSH-2.0-OpenSSH_8.1","product":"OpenSSH","version":"8.1","chacha20_offered":true,"terrapin_exposed":true,"weak_kex":["diffie-hellman-group14-sha1"]}}]})"},
                {3, "service_exposure", "STATUS_OK",
                 R"({"services":[{"protocol":"tcp","address":"0.0.0.0","port":8443,"probe_state":"timeout","probe_message":"connect timed out"}]})"},
};

constexpr int kHosts = 4;
constexpr int64_t kNow = 1'795'132'800;

// Enrolls kHosts hosts and stores kFacts through the store at `url`.
void Fill(const std::string& url, const Clock& clock) {
  Result<std::unique_ptr<Store>> store = OpenStore(url, clock);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ASSERT_TRUE((*store)->CreateOrg({"acme", "", std::nullopt, ""}).ok());
  Result<CreatedToken> token =
      (*store)->CreateToken({"acme", std::nullopt, std::nullopt});
  ASSERT_TRUE(token.ok());
  for (int h = 1; h <= kHosts; ++h) {
    EnrollInput in;
    in.token = token->token;
    in.identity.machine_id = "m" + std::to_string(h);
    in.identity.hostname = "pc" + std::to_string(h);
    in.node_key_hash = pki::Sha256Hex("k");
    Result<EnrollOutcome> enrolled = (*store)->Enroll(in);
    ASSERT_TRUE(enrolled.ok()) << enrolled.status().ToString();
    ASSERT_EQ(enrolled->host_id, h);
    ReportInput r;
    r.host_id = h;
    r.node_key_hash = pki::Sha256Hex("k");
    r.report_id = "r";
    r.collected_at = kNow - 60 * h;
    for (const Fact& f : kFacts) {
      if (f.host != h) continue;
      r.families.push_back({f.family, f.state, kNow - 60 * h - 1, f.json,
                            pki::Sha256Hex(f.json), nullptr});
    }
    std::vector<Result<ReportResult>> stored =
        (*store)->StoreReports(std::span<const ReportInput>(&r, 1));
    ASSERT_TRUE(stored[0].ok()) << stored[0].status().ToString();
    ASSERT_EQ(stored[0]->outcome, ReportOutcome::kStored);
  }
}

// A view's rows as comparable text: NULL marked, JSON cells re-serialised
// (jsonb prints `["a", "b"]`, SQLite `["a","b"]`), rows sorted.
std::vector<std::string> Normalised(const TestDatabase::Table& table) {
  std::vector<std::string> rows;
  for (const auto& row : table) {
    std::string line;
    for (const auto& cell : row) {
      line += " | ";
      if (!cell) {
        line += "NULL";
        continue;
      }
      if (!cell->empty() && (cell->front() == '[' || cell->front() == '{')) {
        nlohmann::json parsed = nlohmann::json::parse(*cell, nullptr, false);
        if (!parsed.is_discarded()) {
          line += parsed.dump();
          continue;
        }
      }
      line += *cell;
    }
    rows.push_back(line);
  }
  std::sort(rows.begin(), rows.end());
  return rows;
}

class PostgresFactViewsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(pki::InitCrypto().ok());
    if (!testing::PostgresClusterUrl()) {
      GTEST_SKIP() << "MAMORI_TEST_PG_URL not set (scripts/pg-cluster.sh run)";
    }
    Result<std::unique_ptr<TestDatabase>> sqlite =
        TestDatabase::Create(Backend::kSqlite);
    Result<std::unique_ptr<TestDatabase>> pg =
        TestDatabase::Create(Backend::kPostgres);
    ASSERT_TRUE(sqlite.ok() && pg.ok());
    sqlite_ = std::move(sqlite).value();
    pg_ = std::move(pg).value();
  }

  FakeClock clock_{FromUnixSeconds(kNow)};
  std::unique_ptr<TestDatabase> sqlite_;
  std::unique_ptr<TestDatabase> pg_;
};

TEST_F(PostgresFactViewsTest, EveryViewReturnsTheSameRowsAsOnSqlite) {
  Fill(sqlite_->url(), clock_);
  Fill(pg_->url(), clock_);
  int compared = 0;
  for (const RenderedView& view :
       RenderFactViews(pg::PostgresFactViewDialect(), {.tables = false})) {
    if (!view.table.empty()) continue;  // extraction views: PostgreSQL only
    const std::string sql = "SELECT * FROM " + view.name;
    Result<TestDatabase::Table> expected = sqlite_->Query(sql);
    Result<TestDatabase::Table> actual = pg_->Query(sql);
    ASSERT_TRUE(expected.ok()) << expected.status().ToString();
    ASSERT_TRUE(actual.ok()) << view.name << ": " << actual.status().ToString();
    // The fixture reaches every view.
    EXPECT_FALSE(expected->empty()) << view.name << " has no rows";
    EXPECT_EQ(Normalised(*actual), Normalised(*expected)) << view.name;
    ++compared;
  }
  EXPECT_EQ(compared, static_cast<int>(FactViews().size()));
}

// Reopening (another collector starting) leaves current views alone.
TEST_F(PostgresFactViewsTest, ViewsAreCreatedOnceAndKeptWhenCurrent) {
  Fill(pg_->url(), clock_);
  Result<pg::Connection> conn = pg::Connection::Open(pg_->url());
  ASSERT_TRUE(conn.ok());
  Result<int> again = pg::SyncPgFactViews(*conn);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(*again, 0);
  // A view changed by hand (or by an older collector) is put back.
  ASSERT_TRUE(conn->Exec("UPDATE fact_view_definitions SET sql = 'old' WHERE "
                         "name = 'v_firewall'")
                  .ok());
  Result<int> redone = pg::SyncPgFactViews(*conn);
  ASSERT_TRUE(redone.ok()) << redone.status().ToString();
  EXPECT_GT(*redone, 0);
  EXPECT_EQ(*pg_->Scalar("SELECT count(*) FROM v_firewall"), 2);
}

// Type-confused and malformed payloads never fail a query over the views.
TEST_F(PostgresFactViewsTest, HostilePayloadsNeverFailAViewQuery) {
  Fill(pg_->url(), clock_);
  Result<pg::Connection> conn = pg::Connection::Open(pg_->url());
  ASSERT_TRUE(conn.ok());
  const char* const kHostile[] = {
      R"({"pending_count":"abc","security_pending_count":99999999999999999999,"last_install_at":"2026-13-45T00:00:00Z","pending":{"name":"not an array"}})",
      R"({"products":"nope","volumes":{"a":1},"services":[1,"x",null,{"port":"eighty","tls":"no","http":[]}]})",
      R"({"current":{"ssid":"a\u0000b","security":7},"profiles":[[],{}],"effective_policy":{"x":1}})",
      R"([1,2,3])",
      R"("just a string")",
  };
  int n = 0;
  for (const char* json : kHostile) {
    for (const FactView& view : FactViews()) {
      Result<pg::Rows> written = conn->QueryOnce(
          "UPDATE host_facts SET payload_json = $1::jsonb WHERE host_id = 1 "
          "AND family = $2",
          pg::Params().Add(pg::JsonForJsonb(json)).Add(view.family));
      ASSERT_TRUE(written.ok()) << written.status().ToString();
    }
    for (const FactView& view : FactViews()) {
      Result<TestDatabase::Table> rows =
          pg_->Query("SELECT * FROM " + std::string(view.name));
      EXPECT_TRUE(rows.ok())
          << view.name << " with " << json << ": " << rows.status().ToString();
      ++n;
    }
  }
  EXPECT_EQ(n, static_cast<int>(std::size(kHostile) * FactViews().size()));
}

}  // namespace
}  // namespace mamori::store

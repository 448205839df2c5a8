// The grading module's steps 2 and 3
// (collector/store/sqlite/grading_schema.cpp): the fact views read per-family
// tables that triggers on host_facts maintain, and collected_at from
// host_facts. These tests hold the tables to the JSON: after inserts, payload
// updates, touches of collected_at, state changes, INSERT OR REPLACE and
// deletes, every view returns exactly what the step 1 views (json_extract per
// query) return on a second database given the same writes, and every table
// equals its extraction view. Also: the step fills the tables from facts stored
// before it ran, queries scoped by organisation see only that organisation, and
// a payload that is not JSON is refused by no write.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "collector/store/sqlite/core_schema.h"
#include "collector/store/sqlite/fact_view_sync.h"
#include "collector/store/sqlite/grading_schema.h"
#include "collector/store/sqlite/migrations.h"
#include "collector/store/sqlite/sqlite.h"
#include "common/clock.h"

namespace mamori::store {
namespace {

const FakeClock& TestClock() {
  static const FakeClock clock(FromUnixSeconds(1'795'132'800));
  return clock;
}

std::span<const MigrationStep> GradingStepOne() {
  return GradingMigrations().first(1);
}

std::string TempDbPath(const std::string& name) {
  std::string pattern = ::testing::TempDir() + "mamori_facttab_XXXXXX";
  char* dir = mkdtemp(pattern.data());
  EXPECT_NE(dir, nullptr);
  return std::string(dir) + "/" + name + ".db";
}

// Every documented view (docs/policies.md "The fact views").
const char* const kViews[] = {
    "v_family_state",    "v_hosts",
    "v_os_lifecycle",    "v_updates",
    "v_pending_updates", "v_packages",
    "v_antivirus",       "v_antivirus_products",
    "v_usb_storage",     "v_wifi",
    "v_wifi_networks",   "v_password_policy",
    "v_screen_lock",     "v_disk_volumes",
    "v_disk_encryption", "v_firewall",
    "v_remote_access",
};

// The extracted tables, each with its extraction view <table>_src.
const char* const kTables[] = {
    "gfact_system",
    "gfact_updates",
    "gfact_pending_updates",
    "gfact_antivirus",
    "gfact_antivirus_products",
    "gfact_usb_storage",
    "gfact_wifi",
    "gfact_wifi_networks",
    "gfact_password_policy",
    "gfact_screen_lock",
    "gfact_disk_encryption",
    "gfact_disk_volumes",
    "gfact_firewall",
    "gfact_remote_access",
};

struct Fact {
  int64_t host_id;
  const char* family;
  const char* state;
  const char* json;
};

// Compliant, failing, odd and empty payloads for every family.
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
};

// One database at grading step 1 (the reference) or at the current step.
class Db {
 public:
  explicit Db(bool step_one_only)
      : path_(TempDbPath(step_one_only ? "ref" : "cur")) {
    auto db = Database::Open(path_);
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::make_unique<Database>(std::move(*db));
    if (step_one_only) {
      const MigrationModule modules[] = {{"core", &CoreMigrations},
                                         {"grading", &GradingStepOne}};
      Expect(ApplyMigrations(*db_, modules, TestClock()));
    } else {
      // The whole schema: migrations, then the declared fact views.
      Expect(ApplySchema(*db_, TestClock()));
    }
    Exec(
        "INSERT INTO organizations (id, name, created_at) VALUES "
        "(1, 'acme', 0), (2, 'other', 0)");
    for (int h = 1; h <= 5; ++h) {
      Exec(
          "INSERT INTO hosts (id, org_id, hostname, os_name, os_version, "
          "node_key_hash, enrolled_at, first_seen, last_seen, "
          "last_collected_at) VALUES (" +
          std::to_string(h) + ", " + (h == 5 ? "2" : "1") + ", 'pc" +
          std::to_string(h) + "', 'hosts os " + std::to_string(h) + "', '1." +
          std::to_string(h) + "', 'k', 0, 0, 100, 90)");
    }
  }

  void Expect(const Status& s) { EXPECT_TRUE(s.ok()) << s.ToString(); }
  void Exec(const std::string& sql) { Expect(db_->Exec(sql)); }

  // The store's own statements (collector/store/sqlite/sqlite_store.cpp).
  void Upsert(int64_t host, const std::string& family, const std::string& state,
              int64_t collected, const std::string& json) {
    auto st = db_->Prepare(
        "INSERT INTO host_facts (org_id, host_id, family, state, "
        "collected_at, payload_json, sha256, updated_at) VALUES ((SELECT "
        "org_id FROM hosts WHERE id = ?1), ?1, ?2, ?3, ?4, ?5, 'sha', ?4) "
        "ON CONFLICT (host_id, family) DO UPDATE SET state = excluded.state, "
        "collected_at = excluded.collected_at, payload_json = "
        "excluded.payload_json, sha256 = excluded.sha256, updated_at = "
        "excluded.updated_at");
    ASSERT_TRUE(st.ok()) << st.status().ToString();
    st->Bind(1, host)
        .Bind(2, family)
        .Bind(3, state)
        .Bind(4, collected)
        .Bind(5, json);
    Expect(st->Run());
  }
  void Touch(int64_t host, const std::string& family, int64_t collected) {
    auto st = db_->Prepare(
        "UPDATE host_facts SET collected_at = ?3 WHERE host_id = ?1 AND "
        "family = ?2");
    ASSERT_TRUE(st.ok());
    st->Bind(1, host).Bind(2, family).Bind(3, collected);
    Expect(st->Run());
  }

  // Every row of `sql`, each value tagged with its SQLite type, sorted.
  std::vector<std::string> Rows(const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_->raw(), sql.c_str(), -1, &st, nullptr),
              SQLITE_OK)
        << sql << ": " << sqlite3_errmsg(db_->raw());
    std::vector<std::string> rows;
    if (st == nullptr) return rows;
    std::string header;
    for (int i = 0; i < sqlite3_column_count(st); ++i) {
      header += std::string(sqlite3_column_name(st, i)) + "|";
    }
    int rc = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      std::string row;
      for (int i = 0; i < sqlite3_column_count(st); ++i) {
        const int type = sqlite3_column_type(st, i);
        row += std::to_string(type) + ":";
        if (type != SQLITE_NULL) {
          row += reinterpret_cast<const char*>(sqlite3_column_text(st, i));
        }
        row += "|";
      }
      rows.push_back(std::move(row));
    }
    EXPECT_EQ(rc, SQLITE_DONE) << sql << ": " << sqlite3_errmsg(db_->raw());
    sqlite3_finalize(st);
    std::sort(rows.begin(), rows.end());
    rows.insert(rows.begin(), header);
    return rows;
  }

  Database& db() { return *db_; }

  ~Db() {
    db_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(std::filesystem::path(path_).parent_path(),
                                ignored);
  }
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

 private:
  std::string path_;
  std::unique_ptr<Database> db_;
};

// The columns of `view` as step one defined them. Grading migration v5
// appended package_id to v_packages (checked on its own below); every other
// view is compared whole.
std::string StepOneColumns(const std::string& view) {
  if (view == "v_packages") {
    return "SELECT org_id, host_id, name, version, architecture, source, "
           "publisher, scope, install_time FROM v_packages";
  }
  return "SELECT * FROM " + view;
}

class FactTablesTest : public ::testing::Test {
 protected:
  // Applies the same write to both databases.
  void Upsert(int64_t host, const std::string& family, const std::string& state,
              int64_t collected, const std::string& json) {
    ref_.Upsert(host, family, state, collected, json);
    cur_.Upsert(host, family, state, collected, json);
  }
  void Touch(int64_t host, const std::string& family, int64_t collected) {
    ref_.Touch(host, family, collected);
    cur_.Touch(host, family, collected);
  }
  void Exec(const std::string& sql) {
    ref_.Exec(sql);
    cur_.Exec(sql);
  }

  // Every view is identical to step 1's, and every table to its source.
  void ExpectSame(const std::string& when) {
    for (const char* v : kViews) {
      const std::string sql = StepOneColumns(v);
      const auto want = ref_.Rows(sql);
      EXPECT_GT(want.size(), v == std::string("v_packages") ? 0u : 1u)
          << v << " " << when << ": the fixture leaves it empty";
      EXPECT_EQ(cur_.Rows(sql), want) << v << " " << when;
    }
    // v5's package_id names the row in `packages` the view's row came from.
    EXPECT_EQ(cur_.Rows("SELECT count(*) FROM v_packages v JOIN packages p "
                        "ON p.id = v.package_id AND p.name = v.name AND "
                        "p.version = v.version"),
              cur_.Rows("SELECT count(*) FROM v_packages"))
        << when;
    ExpectTablesMatchSources(cur_, when);
  }

  static void ExpectTablesMatchSources(Db& db, const std::string& when) {
    for (const char* t : kTables) {
      EXPECT_EQ(db.Rows(std::string("SELECT * FROM ") + t),
                db.Rows(std::string("SELECT * FROM ") + t + "_src"))
          << t << " " << when;
    }
  }

  void InsertAll() {
    for (const Fact& f : kFacts)
      Upsert(f.host_id, f.family, f.state, 80, f.json);
  }

  Db ref_{/*step_one_only=*/true};
  Db cur_{/*step_one_only=*/false};
};

TEST_F(FactTablesTest, ViewsMatchStepOneThroughInsertUpdateTouchDelete) {
  InsertAll();
  ExpectSame("after insert");

  // Payloads change (the upsert's UPDATE path): swap hosts 1 and 2's facts.
  for (const Fact& f : kFacts) {
    if (f.host_id == 1 || f.host_id == 2) {
      Upsert(3 - f.host_id, f.family, f.state, 85, f.json);
    }
  }
  ExpectSame("after payload updates");

  // A report that only vouches for unchanged payloads.
  Touch(1, "antivirus", 95);
  Touch(2, "wifi", 96);
  Touch(3, "system", 97);
  Touch(1, "updates", 98);
  ExpectSame("after touching collected_at");

  // State alone changes.
  Exec(
      "UPDATE host_facts SET state = 'STATUS_ERROR' WHERE host_id = 1 AND "
      "family IN ('disk_encryption', 'system')");
  ExpectSame("after a state change");

  // A new host, array items removed, a family gone, a host's facts gone.
  Upsert(5, "antivirus", "STATUS_OK", 99, R"({"products":[{"name":"x"}]})");
  Upsert(1, "updates", "STATUS_OK", 99, R"({"pending":[]})");
  Exec("DELETE FROM host_facts WHERE host_id = 2 AND family = 'wifi'");
  Exec("DELETE FROM host_facts WHERE host_id = 3");
  ExpectSame("after deletes");

  // Keys change (no code does this today; the tables still follow).
  Exec(
      "UPDATE host_facts SET host_id = 3 WHERE host_id = 4 AND family = "
      "'antivirus'");
  Exec(
      "UPDATE host_facts SET family = 'wifi' WHERE host_id = 2 AND family = "
      "'usb_storage'");
  ExpectSame("after key changes");
}

TEST_F(FactTablesTest, InsertOrReplaceLeavesNoStaleItems) {
  InsertAll();
  // REPLACE deletes the old row without firing delete triggers.
  Exec(R"(INSERT OR REPLACE INTO host_facts (org_id, host_id, family, state,
            collected_at, payload_json, sha256, updated_at)
          VALUES (1, 1, 'wifi', 'STATUS_OK', 91,
                  '{"profiles":[{"ssid":"only","security":"WIFI_SECURITY_WPA2"}]}',
                  's', 91))");
  ExpectSame("after INSERT OR REPLACE");
  EXPECT_EQ(
      cur_.Rows("SELECT ssid FROM v_wifi_networks WHERE host_id = 1").size(),
      2u);  // header + one network
}

TEST_F(FactTablesTest, OrganisationFilterSeesOnlyItsHosts) {
  InsertAll();
  Upsert(5, "antivirus", "STATUS_OK", 99, R"({"products":[{"name":"x"}]})");
  Upsert(5, "system", "STATUS_OK", 99, R"({"os_family":"OS_FAMILY_LINUX"})");
  for (const char* v : {"v_hosts", "v_antivirus", "v_antivirus_products"}) {
    const std::string sql =
        std::string("SELECT host_id FROM ") + v + " WHERE org_id = 2";
    EXPECT_EQ(cur_.Rows(sql), (std::vector<std::string>{"host_id|", "1:5|"}))
        << v;
    EXPECT_EQ(cur_.Rows(sql), ref_.Rows(sql)) << v;
  }
  EXPECT_EQ(cur_.Rows("SELECT count(*) FROM v_antivirus WHERE org_id = 1"),
            ref_.Rows("SELECT count(*) FROM v_antivirus WHERE org_id = 1"));
}

TEST_F(FactTablesTest, StepTwoFillsTablesFromFactsStoredBefore) {
  // Facts written at step 1, then the collector is upgraded.
  for (const Fact& f : kFacts)
    ref_.Upsert(f.host_id, f.family, f.state, 80, f.json);
  std::vector<std::vector<std::string>> before;
  for (const char* v : kViews) {
    before.push_back(ref_.Rows(StepOneColumns(v)));
  }
  ASSERT_TRUE(
      ApplyMigrations(ref_.db(), AllMigrationModules(), TestClock()).ok());
  EXPECT_EQ(*AppliedVersion(ref_.db(), "grading"),
            GradingMigrations().back().version);
  for (size_t i = 0; i < std::size(kViews); ++i) {
    EXPECT_EQ(ref_.Rows(StepOneColumns(kViews[i])), before[i]) << kViews[i];
  }
  ExpectTablesMatchSources(ref_, "after the upgrade");
  // And the triggers run on the upgraded database.
  ref_.Upsert(1, "firewall", "STATUS_OK", 99, R"({"active":false})");
  EXPECT_EQ(ref_.Rows("SELECT active FROM v_firewall WHERE host_id = 1"),
            (std::vector<std::string>{"active|", "1:0|"}));
}

TEST_F(FactTablesTest, PayloadThatIsNotJsonIsStoredAndLeavesNoRow) {
  InsertAll();
  // The write itself must not fail (nothing stored is lost); the host then
  // has no extracted rows, so checks on the family find it unknown.
  for (const char* family : {"system", "updates", "antivirus", "usb_storage",
                             "wifi", "disk_encryption", "firewall"}) {
    cur_.Upsert(1, family, "STATUS_OK", 99, "not json");
    cur_.Upsert(5, family, "STATUS_OK", 99, "{also not json");
  }
  EXPECT_EQ(cur_.Rows("SELECT count(*) FROM host_facts WHERE payload_json "
                      "LIKE '%not json'"),
            (std::vector<std::string>{"count(*)|", "1:14|"}));
  for (const char* view :
       {"v_updates", "v_pending_updates", "v_antivirus", "v_antivirus_products",
        "v_usb_storage", "v_wifi", "v_wifi_networks", "v_disk_encryption",
        "v_disk_volumes", "v_firewall"}) {
    EXPECT_EQ(cur_.Rows(std::string("SELECT * FROM ") + view +
                        " WHERE host_id IN (1, 5)")
                  .size(),
              1u)
        << view;  // header only
  }
  EXPECT_EQ(cur_.Rows("SELECT system_state, platform FROM v_hosts WHERE "
                      "host_id = 1"),
            (std::vector<std::string>{"system_state|platform|", "5:|5:|"}));
  ExpectTablesMatchSources(cur_, "after bad payloads");
}

TEST_F(FactTablesTest, ItemsThatAreNotObjectsNeverFailAWrite) {
  // Step 1 failed on text items ("malformed JSON" in every query reading
  // the view); the tables give such an item NULL fields and the store's
  // write goes through.
  cur_.Upsert(1, "antivirus", "STATUS_OK", 99,
              R"({"products":["text",{"name":"real","enabled":true}]})");
  cur_.Upsert(1, "updates", "STATUS_OK", 99,
              R"({"pending":["KB9",{"name":"KB1","security":true}]})");
  cur_.Upsert(1, "usb_storage", "STATUS_OK", 99,
              R"({"evidence":["x",{"source":"gpo","decisive":true}]})");
  cur_.Upsert(1, "wifi", "STATUS_OK", 99, R"({"profiles":["x"]})");
  cur_.Upsert(1, "disk_encryption", "STATUS_OK", 99,
              R"({"volumes":["x",{"device":"C:","system_volume":true,)"
              R"("state":"ENCRYPTION_STATE_ENCRYPTED"}]})");
  EXPECT_EQ(cur_.Rows("SELECT product_index, name, enabled FROM "
                      "v_antivirus_products"),
            (std::vector<std::string>{"product_index|name|enabled|",
                                      "1:0|3:|5:|", "1:1|3:real|1:1|"}));
  EXPECT_EQ(
      cur_.Rows("SELECT name, security FROM v_pending_updates"),
      (std::vector<std::string>{"name|security|", "3:KB1|1:1|", "3:|1:0|"}));
  EXPECT_EQ(cur_.Rows("SELECT decisive_source FROM v_usb_storage"),
            (std::vector<std::string>{"decisive_source|", "3:gpo|"}));
  EXPECT_EQ(cur_.Rows("SELECT ssid, security FROM v_wifi_networks"),
            (std::vector<std::string>{"ssid|security|", "3:|5:|"}));
  EXPECT_EQ(cur_.Rows("SELECT volume_count, system_volume_encryption, "
                      "system_volume_device FROM v_disk_encryption"),
            (std::vector<std::string>{
                "volume_count|system_volume_encryption|system_volume_device|",
                "1:2|3:encrypted|3:C:|"}));
  ExpectTablesMatchSources(cur_, "after odd items");
}

}  // namespace
}  // namespace mamori::store

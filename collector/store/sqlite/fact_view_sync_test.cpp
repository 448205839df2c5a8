// The declared fact views (store/schema/fact_views.h) replace the views the
// shipped migrations wrote by hand, on a populated database: every view
// keeps its columns and rows, the tables keep their rows, a second sync does
// nothing, writes after the upgrade give what the hand-written views give,
// a declared column added at the end reaches the table, and a moved column
// is refused without touching the database. The tables and triggers
// generated from the declarations are the shipped ones, and a new kTable
// family plus an appended column give the same schema and rows whether the
// database is created with them or upgraded to them.
#include "collector/store/sqlite/fact_view_sync.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "collector/store/sqlite/migrations.h"

namespace mamori::store {
namespace {

const FakeClock& TestClock() {
  static const FakeClock clock(FromUnixSeconds(1'795'132'800));
  return clock;
}

struct Fact {
  int64_t host_id;
  const char* family;
  const char* state;
  const char* json;
};

// Compliant, failing, odd and hostile payloads for every declared family.
const Fact
    kFacts[] =
        {
            {1, "system", "STATUS_OK",
             R"({"os_family":"OS_FAMILY_WINDOWS","os_name":"Windows 11","os_edition":"Enterprise"})"},
            {1, "updates", "STATUS_OK",
             R"({"pending_count":"3","security_pending_count":2,"method":"UPDATE_METHOD_WINDOWS_UPDATE_AGENT","automatic_updates":true,"automatic_updates_evidence":"policy","reboot_required":false,"last_install_at":"2026-11-01T10:00:00Z","pending":[{"name":"KB1","security":true,"published_at":"2026-10-01T00:00:00Z"},{"name":"KB2","security":true,"published_at":"not a time"},{"name":"KB3","installed_version":"1","candidate_version":"2","origin":"o","severity":"high"},7]})"},
            {2, "updates", "STATUS_OK",
             R"({"method":"UPDATE_METHOD_NEW","lists_refreshed_at":"2026-11-19T00:00:00Z","pending":{"n":1}})"},
            {3, "updates", "STATUS_ERROR", "{}"},
            {1, "antivirus", "STATUS_OK",
             R"({"products":[{"name":"Defender","vendor":"Microsoft","enabled":true,"realtime_protection":true,"definitions_age_hours":5,"source":"wsc"},{"name":"=cmd|'/c calc'!A1","enabled":false,"definitions_updated_at":"2026-11-18T00:00:00Z","definitions_up_to_date":false,"updater_configured":true}]})"},
            {2, "antivirus", "STATUS_OK", R"({"products":[5,null,[1],"x"]})"},
            {3, "antivirus", "STATUS_NOT_APPLICABLE", "{}"},
            {1, "usb_storage", "STATUS_OK",
             R"({"effective_policy":"USB_STORAGE_POLICY_BLOCKED","evidence":[{"source":"gpo","setting":"Deny_All","decisive":false},{"source":"registry","setting":"Start=4","decisive":true}],"attached_storage":[{"name":"stick"}]})"},
            {2, "usb_storage", "STATUS_OK",
             R"({"effective_policy":"SOMETHING_NEW","evidence":["x",{"decisive":true}]})"},
            {1, "wifi", "STATUS_OK",
             R"({"adapters":[{"name":"Wi-Fi"}],"current":{"ssid":"office","security":"WIFI_SECURITY_WPA2","enterprise":true,"cipher":"CCMP"},"profiles":[{"ssid":"home","security":"WIFI_SECURITY_WPA3","auto_connect":true},{"ssid":"<script>alert(1)</script>","security":"WIFI_SECURITY_OPEN","hidden":true,"source":"netsh"}]})"},
            {2, "wifi", "STATUS_OK",
             R"({"adapters":[{"name":"wlan0"}],"current_unknown":true,"profiles":[{"ssid":"old","security":"WIFI_SECURITY_WEP"},3]})"},
            {3, "wifi", "STATUS_OK", R"({"current":"not an object"})"},
            {1, "password_policy", "STATUS_OK",
             R"({"min_length":12,"max_age_days":90,"history_length":24,"min_classes":3,"complexity_required":true,"lockout_threshold":5,"lockout_duration_seconds":"900","hash_method":"yescrypt"})"},
            {2, "password_policy", "STATUS_OK",
             R"({"min_length":4,"accounts_without_password_count":2,"accounts_without_password":["guest","'; DROP TABLE hosts; --"]})"},
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
            {4, "firewall", "STATUS_OK", "not json at all"},
            {1, "remote_access", "STATUS_OK",
             R"({"rdp_enabled":true,"rdp_nla_required":true,"rdp_port":3389,"remote_tools":[{"name":"AnyDesk"}]})"},
            {2, "remote_access", "STATUS_OK",
             R"({"ssh_installed":true,"ssh_running":true,"ssh_password_authentication":false,"ssh_permit_root_login":"prohibit-password","ssh_port":22,"vnc_servers":["x11vnc"]})"},
            {1, "service_exposure", "STATUS_OK",
             R"({"probed_at":"2026-11-20T00:00:00Z","from_cache":true,"services":[{"protocol":"tcp","address":"0.0.0.0","port":443,"process":"nginx","package":"nginx","package_version":"1.22","kind":"https","probe_state":"ok","tls":{"tls1_0":true,"tls1_2":true,"weak_ciphers":["RC4"],"dh_bits":1024,"certificate":{"self_signed":true,"expired":false,"not_after":"2027-01-01T00:00:00Z","subject":"CN=<b>x</b>"}},"http":{"status_code":200,"server":"nginx/1.22","version_disclosed":true,"hsts":false,"admin_paths":["/admin","/phpmyadmin"]}},{"protocol":"tcp","port":22,"loopback_only":false,"ssh":{"product":"OpenSSH","version":"9.2","strict_kex":true,"weak_kex":["a","b"],"weak_macs":["c"]}},{"protocol":"udp","port":"53"}]})"},
            {2, "service_exposure", "STATUS_OK", R"({"services":[]})"},
            {3, "service_exposure", "STATUS_PERMISSION_DENIED", "{}"},
};

std::string TempDbPath() {
  std::string pattern = ::testing::TempDir() + "mamori_viewsync_XXXXXX";
  char* dir = mkdtemp(pattern.data());
  EXPECT_NE(dir, nullptr);
  return std::string(dir) + "/collector.db";
}

// Columns appended to a declaration after the generated views replaced the
// hand-written ones of the shipped migrations: a database on the shipped
// views lacks them and the generated views add them, so comparisons with the
// shipped views skip them.
const std::pair<std::string_view, std::string_view> kAppendedSinceShipped[] = {
    {"v_exposed_services", "rdp_negotiated_protocol"},
    {"v_exposed_services", "rdp_nla_required"},
};

class Db {
 public:
  Db() : path_(TempDbPath()) {
    auto db = Database::Open(path_);
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::make_unique<Database>(std::move(*db));
    // The schema as the shipped migrations leave it: hand-written views.
    Expect(ApplyMigrations(*db_, AllMigrationModules(), TestClock()));
    Exec(
        "INSERT INTO organizations (id, name, created_at) VALUES "
        "(1, 'acme', 0), (2, 'other', 0)");
    for (int h = 1; h <= 4; ++h) {
      Exec(
          "INSERT INTO hosts (id, org_id, hostname, os_name, os_version, "
          "node_key_hash, enrolled_at, first_seen, last_seen, "
          "last_collected_at) VALUES (" +
          std::to_string(h) + ", " + (h == 4 ? "2" : "1") + ", 'pc" +
          std::to_string(h) + "', 'os', '1', 'k', 0, 0, 100, 90)");
    }
  }
  ~Db() {
    db_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(std::filesystem::path(path_).parent_path(),
                                ignored);
  }
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  void Expect(const Status& s) { EXPECT_TRUE(s.ok()) << s.ToString(); }
  void Exec(const std::string& sql) { Expect(db_->Exec(sql)); }

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
  void InsertAll(int64_t collected) {
    for (const Fact& f : kFacts) {
      Upsert(f.host_id, f.family, f.state, collected, f.json);
    }
  }

  // Column names, then every row with each value tagged by type, sorted.
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

  // Every view and extracted table by name, with its rows: the columns the
  // hand-written views had (kAppendedSinceShipped are left out).
  std::vector<std::pair<std::string, std::vector<std::string>>> Snapshot() {
    std::vector<std::pair<std::string, std::vector<std::string>>> out;
    for (const std::string& name :
         Rows("SELECT name FROM sqlite_master WHERE (type = 'view' AND name "
              "LIKE 'v\\_%' ESCAPE '\\') OR name LIKE 'gfact\\_%' ESCAPE '\\' "
              "AND type IN ('view', 'table')")) {
      if (name.rfind("3:", 0) != 0) continue;  // the header
      const std::string bare = name.substr(2, name.size() - 3);
      std::string columns;
      const std::string header = Rows("SELECT * FROM " + bare + " LIMIT 0")[0];
      for (size_t at = 0, bar;
           (bar = header.find('|', at)) != std::string::npos; at = bar + 1) {
        const std::string column = header.substr(at, bar - at);
        bool appended = false;
        for (const auto& [view, late_column] : kAppendedSinceShipped) {
          appended = appended || (view == bare && late_column == column);
        }
        if (!appended) columns += (columns.empty() ? "" : ", ") + column;
      }
      out.emplace_back(bare, Rows("SELECT " + columns + " FROM " + bare));
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  std::string StoredSql(const std::string& name) {
    auto q = db_->Prepare("SELECT sql FROM sqlite_master WHERE name = ?1");
    EXPECT_TRUE(q.ok());
    q->Bind(1, name);
    auto row = q->Step();
    return row.ok() && *row ? q->ColumnText(0) : "";
  }

  Database& db() { return *db_; }

 private:
  std::string path_;
  std::unique_ptr<Database> db_;
};

TEST(FactViewSyncTest, UpgradeKeepsEveryViewsColumnsAndRows) {
  Db db;
  db.InsertAll(80);
  const auto before = db.Snapshot();
  ASSERT_GE(before.size(), 30u);
  // The fixture leaves no declared view empty.
  for (const FactView& v : FactViews()) {
    EXPECT_GT(db.Rows("SELECT * FROM " + std::string(v.name)).size(), 2u)
        << v.name;
  }

  std::map<std::string, std::string> before_sql;
  for (const RenderedView& v : RenderFactViews(SqliteFactViewDialect())) {
    before_sql[v.name] = db.StoredSql(v.name);
  }
  Result<FactViewSync> synced = SyncFactViews(db.db());
  ASSERT_TRUE(synced.ok()) << synced.status().ToString();
  const std::vector<RenderedView> rendered =
      RenderFactViews(SqliteFactViewDialect());
  // Two hand-written views happen to read exactly as rendered already.
  int differing = 0;
  for (const RenderedView& v : rendered) {
    if (before_sql[v.name] != v.sql) ++differing;
  }
  EXPECT_GE(differing, 20);
  EXPECT_EQ(synced->views_recreated, differing);
  EXPECT_EQ(synced->columns_added, 0);
  EXPECT_EQ(synced->rows_refreshed, 0)
      << "the generated extraction views extract other rows than the "
         "hand-written ones did";
  EXPECT_EQ(db.Snapshot(), before);
  for (const RenderedView& v : rendered) {
    EXPECT_EQ(db.StoredSql(v.name), v.sql) << v.name;
  }
  // The appended columns are there (NULL: no RDP in the fixture).
  for (const auto& [view, column] : kAppendedSinceShipped) {
    EXPECT_GT(
        db.Rows("SELECT " + std::string(column) + " FROM " + std::string(view) +
                " WHERE " + std::string(column) + " IS NULL")
            .size(),
        1u)
        << view << "." << column;
  }

  // Nothing differs any more: the second sync changes nothing.
  Result<FactViewSync> again = SyncFactViews(db.db());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->views_recreated, 0);
  EXPECT_EQ(again->rows_refreshed, 0);
}

TEST(FactViewSyncTest, WritesAfterTheUpgradeMatchTheHandWrittenViews) {
  Db old_views;  // stays on the shipped views
  Db generated;
  ASSERT_TRUE(SyncFactViews(generated.db()).ok());
  for (Db* db : {&old_views, &generated}) {
    db->InsertAll(80);
    // Payloads change hosts, items disappear, a family and a host go.
    for (const Fact& f : kFacts) {
      if (f.host_id == 1 || f.host_id == 2) {
        db->Upsert(3 - f.host_id, f.family, f.state, 85, f.json);
      }
    }
    db->Upsert(1, "updates", "STATUS_OK", 90, R"({"pending":[]})");
    db->Exec("DELETE FROM host_facts WHERE host_id = 2 AND family = 'wifi'");
    db->Exec("DELETE FROM host_facts WHERE host_id = 3");
    db->Exec(
        "UPDATE host_facts SET state = 'STATUS_ERROR' WHERE host_id = 1 AND "
        "family = 'disk_encryption'");
  }
  const auto want = old_views.Snapshot();
  const auto got = generated.Snapshot();
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i], want[i]) << want[i].first;
  }
}

TEST(FactViewSyncTest, ServiceItemThatIsNotAnObjectGivesDefaultsNotAnError) {
  // The hand-written v_exposed_services failed the whole query ("malformed
  // JSON") on a service that is a string; the generated one reads it as an
  // item without facts.
  Db db;
  ASSERT_TRUE(SyncFactViews(db.db()).ok());
  db.Upsert(1, "service_exposure", "STATUS_OK", 80,
            R"({"services":["just a string",{"port":80}]})");
  EXPECT_EQ(db.Rows("SELECT port, address, tls_dh_bits FROM "
                    "v_exposed_services"),
            (std::vector<std::string>{"port|address|tls_dh_bits|", "1:0|3:|5:|",
                                      "1:80|3:|5:|"}));
}

TEST(FactViewSyncTest, AppendedDeclarationColumnIsAddedAndFilled) {
  Db db;
  ASSERT_TRUE(SyncFactViews(db.db()).ok());
  db.InsertAll(80);
  const auto want = db.Rows("SELECT * FROM v_firewall");
  // A database from before rule_count was declared: its table and views
  // end at default_inbound.
  db.Exec(
      "DROP VIEW v_firewall; DROP VIEW gfact_firewall_src;"
      "CREATE VIEW gfact_firewall_src AS SELECT host_id, org_id, state, "
      "active, product, default_inbound FROM gfact_firewall;"
      "ALTER TABLE gfact_firewall DROP COLUMN rule_count;");
  Result<FactViewSync> synced = SyncFactViews(db.db());
  ASSERT_TRUE(synced.ok()) << synced.status().ToString();
  EXPECT_EQ(synced->views_recreated, 2);
  EXPECT_EQ(synced->columns_added, 1);
  EXPECT_EQ(synced->rows_refreshed, 2 * 2);  // 2 hosts: deleted, inserted
  EXPECT_EQ(db.Rows("SELECT * FROM v_firewall"), want);
  EXPECT_EQ(db.Rows("SELECT * FROM gfact_firewall"),
            db.Rows("SELECT * FROM gfact_firewall_src"));
  // And the triggers fill the new column.
  db.Upsert(2, "firewall", "STATUS_OK", 90, R"({"rule_count":7})");
  EXPECT_EQ(db.Rows("SELECT rule_count FROM v_firewall WHERE host_id = 2"),
            (std::vector<std::string>{"rule_count|", "1:7|"}));
}

TEST(FactViewSyncTest, MovedColumnIsRefusedAndNothingChanges) {
  Db db;
  ASSERT_TRUE(SyncFactViews(db.db()).ok());
  db.Exec(
      "DROP VIEW v_firewall; DROP VIEW gfact_firewall_src;"
      "CREATE VIEW gfact_firewall_src AS SELECT * FROM gfact_firewall;"
      "ALTER TABLE gfact_firewall RENAME COLUMN product TO vendor;");
  const std::string stub = db.StoredSql("gfact_firewall_src");
  const std::string updates_before = db.StoredSql("v_updates");
  db.Exec("DROP VIEW v_updates; CREATE VIEW v_updates AS SELECT 1 AS x");
  Result<FactViewSync> synced = SyncFactViews(db.db());
  ASSERT_FALSE(synced.ok());
  EXPECT_EQ(synced.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(synced.status().message().find("gfact_firewall column 5 is "
                                           "'vendor'"),
            std::string::npos)
      << synced.status().ToString();
  // Rolled back: the other view was not recreated either.
  EXPECT_EQ(db.StoredSql("v_updates"),
            "CREATE VIEW v_updates AS SELECT 1 AS x");
  EXPECT_EQ(db.StoredSql("gfact_firewall_src"), stub);
}

TEST(FactViewSyncTest, TableFromANewerCollectorIsRefusedByName) {
  Db db;
  ASSERT_TRUE(SyncFactViews(db.db()).ok());
  // A newer collector declared one more firewall column and rendered its
  // views differently.
  db.Exec(
      "ALTER TABLE gfact_firewall ADD COLUMN zone_count;"
      "DROP VIEW gfact_firewall_src;"
      "CREATE VIEW gfact_firewall_src AS SELECT * FROM gfact_firewall;");
  const std::string newer = db.StoredSql("gfact_firewall_src");
  Result<FactViewSync> synced = SyncFactViews(db.db());
  ASSERT_FALSE(synced.ok());
  EXPECT_EQ(synced.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(synced.status().message().find("'zone_count', unknown to this "
                                           "collector"),
            std::string::npos)
      << synced.status().ToString();
  EXPECT_EQ(db.StoredSql("gfact_firewall_src"), newer);  // left as it was
}

TEST(FactViewSyncTest, ApplySchemaLeavesEveryViewAsRendered) {
  Db db;
  ASSERT_TRUE(ApplySchema(db.db(), TestClock()).ok());
  for (const RenderedView& v : RenderFactViews(SqliteFactViewDialect())) {
    EXPECT_EQ(db.StoredSql(v.name), v.sql) << v.name;
  }
  // Every declared view has org_id (the check runner scopes by it), then
  // host_id, state, collected_at and the declared columns.
  for (const FactView& v : FactViews()) {
    std::string header = "org_id|host_id|state|collected_at|";
    for (const FactColumn& c : v.columns) header += std::string(c.name) + "|";
    EXPECT_EQ(db.Rows("SELECT * FROM " + std::string(v.name))[0], header)
        << v.name;
  }
}

// The generator reproduces what grading v2..v7 wrote by hand: on a database
// from the shipped migrations it plans views only (never a table, column or
// trigger), the 40 trigger texts are byte for byte the stored ones, and each
// generated table has the stored table's columns.
TEST(FactViewSyncTest, GeneratedTablesAndTriggersAreTheShippedOnes) {
  Db db;
  Result<std::vector<FactSchemaStep>> plan = PlanFactSchema(db.db());
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  for (const FactSchemaStep& s : *plan) {
    // Views to recreate, and the check that re-extracts no row.
    EXPECT_NE(s.kind, FactSchemaStep::Kind::kTable) << s.name;
    EXPECT_NE(s.kind, FactSchemaStep::Kind::kColumn) << s.name;
    EXPECT_NE(s.kind, FactSchemaStep::Kind::kTrigger) << s.sql;
  }
  int triggers = 0;
  int tables = 0;
  for (const FactSchemaStep& s : RenderFactTables()) {
    if (s.kind == FactSchemaStep::Kind::kTrigger) {
      EXPECT_EQ(db.StoredSql(s.name), s.sql) << s.name;
      ++triggers;
      continue;
    }
    ++tables;
    // The columns, as a fresh table has them.
    db.Exec("CREATE TEMP TABLE fresh AS SELECT * FROM " + s.name + " WHERE 0");
    EXPECT_EQ(db.Rows("SELECT name FROM pragma_table_info('" + s.name + "')"),
              db.Rows("SELECT name FROM temp.pragma_table_info('fresh')"))
        << s.name;
    db.Exec("DROP TABLE temp.fresh");
  }
  EXPECT_EQ(triggers, 4 * 9);  // nine kTable families (system is v_hosts')
  EXPECT_EQ(tables, 13);
}

// A family declared after the shipped migrations: a parent view and an item
// view stored in tables, over the accounts payload.
constexpr FactColumn kTestAccounts[] = {
    {"account_count", ColumnType::kInteger, Extract::kCount, "accounts", "0"},
    {"admin_count", ColumnType::kInteger, Extract::kField, "admin_count", "0"},
};
constexpr FactColumn kTestAccountItems[] = {
    {"name", ColumnType::kText, Extract::kField, "name", "''"},
    {"admin", ColumnType::kBoolean, Extract::kField, "admin", "0"},
};
constexpr FactColumn kFirewallRuleCountTwice[] = {
    {"rule_count_again", ColumnType::kInteger, Extract::kField, "rule_count",
     "0"},
};

// FactViews() with the accounts family added and, when `column`, one more
// column appended to v_firewall.
class Declarations {
 public:
  explicit Declarations(bool family, bool column) {
    for (const FactView& v : FactViews()) {
      FactView copy = v;
      if (column && v.name == "v_firewall") {
        firewall_.assign(v.columns.begin(), v.columns.end());
        firewall_.push_back(kFirewallRuleCountTwice[0]);
        copy.columns = firewall_;
      }
      views_.push_back(copy);
    }
    if (family) {
      views_.push_back({"v_test_accounts",
                        "accounts",
                        Storage::kTable,
                        "gfact_test_accounts",
                        {},
                        {},
                        {},
                        kTestAccounts});
      views_.push_back({"v_test_account_items",
                        "accounts",
                        Storage::kTable,
                        "gfact_test_account_items",
                        "v_test_accounts",
                        "accounts",
                        {},
                        kTestAccountItems});
    }
  }
  RenderOptions options() const { return {.views = views_}; }

 private:
  std::vector<FactColumn> firewall_;
  std::vector<FactView> views_;
};

const Fact kAccountFacts[] = {
    {1, "accounts", "STATUS_OK",
     R"j({"admin_count":1,"accounts":[{"name":"root","admin":true},{"name":"=HYPERLINK(\"x\")"},7]})j"},
    {2, "accounts", "STATUS_OK", R"({"accounts":[]})"},
    {4, "accounts", "STATUS_OK", "not json"},
};

// Everything in sqlite_master except the internal autoindexes, by name.
std::vector<std::string> Schema(Db& db) {
  return db.Rows(
      "SELECT type, name, tbl_name, sql FROM sqlite_master "
      "WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'");
}

TEST(FactViewSyncTest, NewFamilyAndColumnGiveTheSameSchemaFreshOrUpgraded) {
  const Declarations before(false, false);
  const Declarations after(true, true);
  Db upgraded;
  ASSERT_TRUE(SyncFactViews(upgraded.db(), before.options()).ok());
  Db fresh;
  Result<FactViewSync> created = SyncFactViews(fresh.db(), after.options());
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ(created->tables_created, 2);
  EXPECT_EQ(created->triggers_recreated, 4);
  EXPECT_EQ(created->columns_added, 1);
  for (Db* db : {&upgraded, &fresh}) {
    db->InsertAll(80);
    for (const Fact& f : kAccountFacts) {
      db->Upsert(f.host_id, f.family, f.state, 80, f.json);
    }
  }

  // The generated migration for the upgraded database: the new family's
  // tables and triggers, the firewall column, the views, and the rows.
  Result<std::vector<FactSchemaStep>> plan =
      PlanFactSchema(upgraded.db(), after.options());
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  const std::string script = FactSchemaScript(*plan);
  EXPECT_NE(script.find("CREATE TABLE gfact_test_accounts (host_id INTEGER "
                        "PRIMARY KEY, org_id, state, account_count, "
                        "admin_count);\nCREATE INDEX gfact_test_accounts_org "
                        "ON gfact_test_accounts(org_id);\n"),
            std::string::npos)
      << script;
  EXPECT_NE(script.find("ALTER TABLE gfact_firewall ADD COLUMN "
                        "rule_count_again;\n"),
            std::string::npos)
      << script;
  EXPECT_NE(script.find("CREATE TRIGGER gfact_test_accounts_insert AFTER "
                        "INSERT ON host_facts\nWHEN NEW.family = 'accounts' "
                        "BEGIN\n"),
            std::string::npos)
      << script;

  Result<FactViewSync> synced = SyncFactViews(upgraded.db(), after.options());
  ASSERT_TRUE(synced.ok()) << synced.status().ToString();
  EXPECT_EQ(synced->tables_created, 2);
  EXPECT_EQ(synced->columns_added, 1);
  EXPECT_EQ(synced->triggers_recreated, 4);
  EXPECT_GT(synced->rows_refreshed, 0);

  EXPECT_EQ(Schema(upgraded), Schema(fresh));
  EXPECT_EQ(upgraded.Snapshot(), fresh.Snapshot());
  EXPECT_EQ(fresh.Rows("SELECT host_id, account_count, admin_count FROM "
                       "v_test_accounts"),
            (std::vector<std::string>{"host_id|account_count|admin_count|",
                                      "1:1|1:3|1:1|", "1:2|1:0|1:0|"}));
  EXPECT_EQ(fresh.Rows("SELECT host_id, name, admin FROM v_test_account_items"),
            (std::vector<std::string>{"host_id|name|admin|",
                                      "1:1|3:=HYPERLINK(\"x\")|1:0|",
                                      "1:1|3:root|1:1|", "1:1|3:|1:0|"}));

  // The generated triggers keep both alike through later writes.
  for (Db* db : {&upgraded, &fresh}) {
    db->Upsert(1, "accounts", "STATUS_OK", 90,
               R"({"accounts":[{"name":"a"}]})");
    db->Upsert(2, "firewall", "STATUS_OK", 90, R"({"rule_count":"12"})");
    db->Exec(
        "DELETE FROM host_facts WHERE host_id = 2 AND family = 'accounts'");
    db->Exec(
        "UPDATE host_facts SET host_id = 3 WHERE host_id = 4 AND "
        "family = 'accounts'");
  }
  EXPECT_EQ(upgraded.Snapshot(), fresh.Snapshot());
  EXPECT_EQ(fresh.Rows("SELECT host_id, name FROM v_test_account_items"),
            (std::vector<std::string>{"host_id|name|", "1:1|3:a|"}));
  EXPECT_EQ(fresh.Rows("SELECT host_id, rule_count_again FROM v_firewall "
                       "WHERE host_id = 2"),
            (std::vector<std::string>{"host_id|rule_count_again|",
                                      "1:2|3:12|"}));  // int64 is a JSON string
  // Nothing is left to do on either.
  for (Db* db : {&upgraded, &fresh}) {
    Result<std::vector<FactSchemaStep>> again =
        PlanFactSchema(db->db(), after.options());
    ASSERT_TRUE(again.ok());
    EXPECT_TRUE(again->empty()) << FactSchemaScript(*again);
  }
}

}  // namespace
}  // namespace mamori::store

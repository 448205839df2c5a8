#include "collector/store/sqlite/sqlite_software_store.h"

#include "collector/store/sqlite/org_lookup.h"
#include "collector/store/sqlite/sqlite_audit_rows.h"

namespace mamori::store {
namespace {

std::string RuleText(const SoftwareRule& rule) {
  std::string text = rule.action + " " + rule.target_kind + " " + rule.target;
  if (!rule.platform.empty()) text += " on " + rule.platform;
  return text;
}

// Reads every row of `st` through `row`.
template <typename Fn>
Status EachRow(Statement& st, Fn&& row) {
  while (true) {
    auto more = st.Step();
    if (!more.ok()) return more.status();
    if (!*more) return Status::Ok();
    row(st);
  }
}

}  // namespace

Result<std::unique_ptr<SqliteSoftwareStore>> SqliteSoftwareStore::Open(
    const std::string& path) {
  auto db = Database::Open(path, /*create=*/false);
  if (!db.ok()) return db.status();
  return std::unique_ptr<SqliteSoftwareStore>(
      new SqliteSoftwareStore(std::move(*db)));
}

Result<int64_t> SqliteSoftwareStore::OrgId(const std::string& org) {
  return OrgIdByName(db_, org);
}

Result<std::string> SqliteSoftwareStore::DictionaryFingerprint() {
  auto st = db_.Prepare(
      "SELECT fingerprint FROM software_dictionary_state WHERE id = 1");
  if (!st.ok()) return st.status();
  auto row = st->Step();
  if (!row.ok()) return row.status();
  return *row ? st->ColumnText(0) : std::string();
}

Status SqliteSoftwareStore::SyncDictionary(
    const SoftwareDictionaryRecord& dictionary) {
  auto current = DictionaryFingerprint();
  if (!current.ok()) return current.status();
  if (*current == dictionary.fingerprint) return Status::Ok();
  Transaction tx(db_);
  MAMORI_RETURN_IF_ERROR(tx.Begin());
  MAMORI_RETURN_IF_ERROR(db_.Exec(
      "DELETE FROM software_matches; DELETE FROM software_patterns; "
      "DELETE FROM software_titles; DELETE FROM software_categories;"));
  auto category = db_.Prepare(
      "INSERT INTO software_categories (id, name_ja, name_en) "
      "VALUES (?, ?, ?)");
  if (!category.ok()) return category.status();
  for (const auto& c : dictionary.categories) {
    category->Reset();
    category->Bind(1, c.id).Bind(2, c.name_ja).Bind(3, c.name_en);
    MAMORI_RETURN_IF_ERROR(category->Run());
  }
  auto title = db_.Prepare(
      "INSERT INTO software_titles (id, category, name_ja, name_en) "
      "VALUES (?, ?, ?, ?)");
  if (!title.ok()) return title.status();
  auto pattern = db_.Prepare(
      "INSERT INTO software_patterns "
      "(title_id, first_char, name_like, publisher_like) VALUES (?, ?, ?, ?)");
  if (!pattern.ok()) return pattern.status();
  for (const auto& t : dictionary.titles) {
    title->Reset();
    title->Bind(1, t.id)
        .Bind(2, t.category)
        .Bind(3, t.name_ja)
        .Bind(4, t.name_en);
    MAMORI_RETURN_IF_ERROR(title->Run());
    for (const auto& p : t.patterns) {
      pattern->Reset();
      pattern->Bind(1, t.id).Bind(2, p.first_char).Bind(3, p.name_like);
      if (p.publisher_like.empty()) {
        pattern->BindNull(4);
      } else {
        pattern->Bind(4, p.publisher_like);
      }
      MAMORI_RETURN_IF_ERROR(pattern->Run());
    }
  }
  // The same rule as the trigger on packages, over the whole catalogue.
  MAMORI_RETURN_IF_ERROR(db_.Exec(R"sql(
INSERT OR IGNORE INTO software_matches (package_id, title_id)
SELECT p.id, sp.title_id FROM packages p, software_patterns sp
 WHERE sp.first_char IN (lower(substr(p.name, 1, 1)), '')
   AND p.name LIKE sp.name_like ESCAPE '\'
   AND (sp.publisher_like IS NULL
        OR p.publisher LIKE sp.publisher_like ESCAPE '\');
)sql"));
  auto state = db_.Prepare(
      "INSERT INTO software_dictionary_state (id, fingerprint) VALUES (1, ?) "
      "ON CONFLICT (id) DO UPDATE SET fingerprint = excluded.fingerprint");
  if (!state.ok()) return state.status();
  state->Bind(1, dictionary.fingerprint);
  MAMORI_RETURN_IF_ERROR(state->Run());
  return tx.Commit();
}

Result<SoftwareRules> SqliteSoftwareStore::LoadRules(int64_t org_id) {
  SoftwareRules out;
  auto rules = db_.Prepare(
      "SELECT action, target_kind, target, platform FROM software_rules "
      "WHERE org_id = ? ORDER BY action, target_kind, target, platform");
  if (!rules.ok()) return rules.status();
  rules->Bind(1, org_id);
  MAMORI_RETURN_IF_ERROR(EachRow(*rules, [&](Statement& st) {
    out.rules.push_back({st.ColumnText(0), st.ColumnText(1), st.ColumnText(2),
                         st.ColumnText(3)});
  }));
  auto floors = db_.Prepare(
      "SELECT title_id, min_version FROM software_floors WHERE org_id = ? "
      "ORDER BY title_id");
  if (!floors.ok()) return floors.status();
  floors->Bind(1, org_id);
  MAMORI_RETURN_IF_ERROR(EachRow(*floors, [&](Statement& st) {
    out.floors.push_back({st.ColumnText(0), st.ColumnText(1)});
  }));
  auto licences = db_.Prepare(
      "SELECT title_id, owned FROM software_licences WHERE org_id = ? "
      "ORDER BY title_id");
  if (!licences.ok()) return licences.status();
  licences->Bind(1, org_id);
  MAMORI_RETURN_IF_ERROR(EachRow(*licences, [&](Statement& st) {
    out.licences.push_back({st.ColumnText(0), st.ColumnInt(1)});
  }));
  return out;
}

Status SqliteSoftwareStore::AddRule(int64_t org_id, const SoftwareRule& rule,
                                    const std::string& who, TimePoint now) {
  Transaction tx(db_);
  MAMORI_RETURN_IF_ERROR(tx.Begin());
  auto st = db_.Prepare(
      "INSERT OR IGNORE INTO software_rules "
      "(org_id, action, target_kind, target, platform) VALUES (?, ?, ?, ?, ?)");
  if (!st.ok()) return st.status();
  st->Bind(1, org_id)
      .Bind(2, rule.action)
      .Bind(3, rule.target_kind)
      .Bind(4, rule.target)
      .Bind(5, rule.platform);
  MAMORI_RETURN_IF_ERROR(st->Run());
  if (db_.Changes() == 0) {
    return AlreadyExistsError("the rule \"" + RuleText(rule) +
                              "\" is already set");
  }
  MAMORI_RETURN_IF_ERROR(AppendTrailAudit(db_, AuditTrail::kSoftware, org_id,
                                          now, who, "rule_added",
                                          RuleText(rule)));
  return tx.Commit();
}

Status SqliteSoftwareStore::RemoveRule(int64_t org_id, const SoftwareRule& rule,
                                       const std::string& who, TimePoint now) {
  Transaction tx(db_);
  MAMORI_RETURN_IF_ERROR(tx.Begin());
  auto st = db_.Prepare(
      "DELETE FROM software_rules WHERE org_id = ? AND action = ? AND "
      "target_kind = ? AND target = ? AND platform = ?");
  if (!st.ok()) return st.status();
  st->Bind(1, org_id)
      .Bind(2, rule.action)
      .Bind(3, rule.target_kind)
      .Bind(4, rule.target)
      .Bind(5, rule.platform);
  MAMORI_RETURN_IF_ERROR(st->Run());
  if (db_.Changes() == 0) {
    return NotFoundError("no rule \"" + RuleText(rule) + "\"");
  }
  MAMORI_RETURN_IF_ERROR(AppendTrailAudit(db_, AuditTrail::kSoftware, org_id,
                                          now, who, "rule_removed",
                                          RuleText(rule)));
  return tx.Commit();
}

Status SqliteSoftwareStore::SetFloor(int64_t org_id, const SoftwareFloor& floor,
                                     const std::string& who, TimePoint now) {
  Transaction tx(db_);
  MAMORI_RETURN_IF_ERROR(tx.Begin());
  if (floor.min_version.empty()) {
    auto st = db_.Prepare(
        "DELETE FROM software_floors WHERE org_id = ? AND title_id = ?");
    if (!st.ok()) return st.status();
    st->Bind(1, org_id).Bind(2, floor.title);
    MAMORI_RETURN_IF_ERROR(st->Run());
    if (db_.Changes() == 0) {
      return NotFoundError("no version floor for \"" + floor.title + "\"");
    }
    MAMORI_RETURN_IF_ERROR(AppendTrailAudit(db_, AuditTrail::kSoftware, org_id,
                                            now, who, "floor_cleared",
                                            floor.title));
  } else {
    auto st = db_.Prepare(
        "INSERT INTO software_floors (org_id, title_id, min_version) "
        "VALUES (?, ?, ?) ON CONFLICT (org_id, title_id) "
        "DO UPDATE SET min_version = excluded.min_version");
    if (!st.ok()) return st.status();
    st->Bind(1, org_id).Bind(2, floor.title).Bind(3, floor.min_version);
    MAMORI_RETURN_IF_ERROR(st->Run());
    MAMORI_RETURN_IF_ERROR(AppendTrailAudit(
        db_, AuditTrail::kSoftware, org_id, now, who, "floor_set",
        floor.title + " >= " + floor.min_version));
  }
  return tx.Commit();
}

Status SqliteSoftwareStore::SetLicences(int64_t org_id,
                                        const std::string& title,
                                        std::optional<int64_t> owned,
                                        const std::string& who, TimePoint now) {
  if (owned && *owned < 0) {
    return InvalidArgumentError("licences owned must not be negative");
  }
  Transaction tx(db_);
  MAMORI_RETURN_IF_ERROR(tx.Begin());
  if (!owned) {
    auto st = db_.Prepare(
        "DELETE FROM software_licences WHERE org_id = ? AND title_id = ?");
    if (!st.ok()) return st.status();
    st->Bind(1, org_id).Bind(2, title);
    MAMORI_RETURN_IF_ERROR(st->Run());
    if (db_.Changes() == 0) {
      return NotFoundError("no licence count for \"" + title + "\"");
    }
    MAMORI_RETURN_IF_ERROR(AppendTrailAudit(db_, AuditTrail::kSoftware, org_id,
                                            now, who, "licences_cleared",
                                            title));
  } else {
    auto st = db_.Prepare(
        "INSERT INTO software_licences (org_id, title_id, owned) "
        "VALUES (?, ?, ?) ON CONFLICT (org_id, title_id) "
        "DO UPDATE SET owned = excluded.owned");
    if (!st.ok()) return st.status();
    st->Bind(1, org_id).Bind(2, title).Bind(3, *owned);
    MAMORI_RETURN_IF_ERROR(st->Run());
    MAMORI_RETURN_IF_ERROR(AppendTrailAudit(
        db_, AuditTrail::kSoftware, org_id, now, who, "licences_set",
        title + " = " + std::to_string(*owned)));
  }
  return tx.Commit();
}

Result<std::vector<SoftwareAuditEntry>> SqliteSoftwareStore::History(
    int64_t org_id, int limit) {
  auto st = db_.Prepare(
      "SELECT at, who, action, detail FROM software_audit WHERE org_id = ? "
      "ORDER BY id DESC LIMIT ?");
  if (!st.ok()) return st.status();
  st->Bind(1, org_id).Bind(2, static_cast<int64_t>(limit));
  std::vector<SoftwareAuditEntry> out;
  MAMORI_RETURN_IF_ERROR(EachRow(*st, [&](Statement& s) {
    out.push_back({FromUnixSeconds(s.ColumnInt(0)), s.ColumnText(1),
                   s.ColumnText(2), s.ColumnText(3)});
  }));
  return out;
}

Result<SoftwareInventory> SqliteSoftwareStore::Inventory(int64_t org_id) {
  SoftwareInventory out;
  // The few matched catalogue rows first, then each host's links through
  // host_packages' primary key (host_id, package_id, scope), as the
  // built-in browser check reaches them.
  auto installs = db_.Prepare(R"sql(
WITH matched AS MATERIALIZED (
  SELECT m.package_id, m.title_id FROM software_matches m)
SELECT DISTINCT m.title_id, h.host_id, h.hostname, COALESCE(h.platform, ''),
       p.name, p.version, p.publisher
  FROM v_hosts h
  CROSS JOIN matched m
  CROSS JOIN host_packages hp
    ON hp.host_id = h.host_id AND hp.package_id = m.package_id
  JOIN packages p ON p.id = m.package_id
 WHERE h.org_id = ?
 ORDER BY m.title_id, h.hostname, h.host_id, p.name, p.version
)sql");
  if (!installs.ok()) return installs.status();
  installs->Bind(1, org_id);
  MAMORI_RETURN_IF_ERROR(EachRow(*installs, [&](Statement& st) {
    out.installs.push_back({st.ColumnText(0), st.ColumnInt(1), st.ColumnText(2),
                            st.ColumnText(3), st.ColumnText(4),
                            st.ColumnText(5), st.ColumnText(6)});
  }));
  auto hosts = db_.Prepare(R"sql(
SELECT h.hostname, f.state
  FROM v_hosts h
  LEFT JOIN v_family_state f ON f.host_id = h.host_id AND f.family = 'packages'
 WHERE h.org_id = ?
 ORDER BY h.hostname, h.host_id
)sql");
  if (!hosts.ok()) return hosts.status();
  hosts->Bind(1, org_id);
  MAMORI_RETURN_IF_ERROR(EachRow(*hosts, [&](Statement& st) {
    ++out.hosts;
    if (st.ColumnIsNull(1) || st.ColumnText(1) != "ok") {
      out.hosts_without_inventory.push_back(st.ColumnText(0));
    }
  }));
  return out;
}

}  // namespace mamori::store

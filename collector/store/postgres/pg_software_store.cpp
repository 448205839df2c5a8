#include "collector/store/postgres/pg_software_store.h"

#include "collector/store/postgres/pg_audit_rows.h"

namespace mamori::store::pg {
namespace {

std::string RuleText(const SoftwareRule& rule) {
  std::string text = rule.action + " " + rule.target_kind + " " + rule.target;
  if (!rule.platform.empty()) text += " on " + rule.platform;
  return text;
}

}  // namespace

Result<std::unique_ptr<PgSoftwareStore>> PgSoftwareStore::Open(
    const std::string& url) {
  Result<Connection> conn = Connection::Open(url);
  if (!conn.ok()) return conn.status();
  return std::unique_ptr<PgSoftwareStore>(
      new PgSoftwareStore(std::move(conn).value()));
}

Result<int64_t> PgSoftwareStore::OrgId(const std::string& org) {
  Result<Rows> rows = conn_.Query(
      "SELECT id FROM organizations WHERE name = $1", Params().Add(org));
  if (!rows.ok()) return rows.status();
  if (rows->size() == 0) {
    return NotFoundError("organisation \"" + org + "\" not found");
  }
  return rows->Int(0, 0);
}

Result<std::string> PgSoftwareStore::DictionaryFingerprint() {
  Result<Rows> rows = conn_.Query(
      "SELECT fingerprint FROM software_dictionary_state WHERE id = 1");
  if (!rows.ok()) return rows.status();
  return rows->size() > 0 ? rows->Text(0, 0) : std::string();
}

Status PgSoftwareStore::SyncDictionary(
    const SoftwareDictionaryRecord& dictionary) {
  auto current = DictionaryFingerprint();
  if (!current.ok()) return current.status();
  if (*current == dictionary.fingerprint) return Status::Ok();
  Transaction tx(conn_);
  MAMORI_RETURN_IF_ERROR(tx.Begin());
  // Several collectors start at once: one replaces, the others wait and
  // then find the fingerprint current.
  MAMORI_RETURN_IF_ERROR(
      conn_.Exec("SELECT pg_advisory_xact_lock(1835101551, 1936092788)"));
  auto again = DictionaryFingerprint();
  if (!again.ok()) return again.status();
  if (*again == dictionary.fingerprint) return tx.Commit();
  MAMORI_RETURN_IF_ERROR(conn_.Exec(
      "DELETE FROM software_matches; DELETE FROM software_patterns; "
      "DELETE FROM software_titles; DELETE FROM software_categories"));
  for (const auto& c : dictionary.categories) {
    MAMORI_RETURN_IF_ERROR(
        conn_
            .Query("INSERT INTO software_categories (id, name_ja, name_en) "
                   "VALUES ($1, $2, $3)",
                   Params().Add(c.id).Add(c.name_ja).Add(c.name_en))
            .status());
  }
  for (const auto& t : dictionary.titles) {
    MAMORI_RETURN_IF_ERROR(
        conn_
            .Query("INSERT INTO software_titles (id, category, name_ja, "
                   "name_en) VALUES ($1, $2, $3, $4)",
                   Params()
                       .Add(t.id)
                       .Add(t.category)
                       .Add(t.name_ja)
                       .Add(t.name_en))
            .status());
    for (const auto& p : t.patterns) {
      Params params;
      params.Add(t.id).Add(p.first_char).Add(p.name_like);
      if (p.publisher_like.empty()) {
        params.AddNull();
      } else {
        params.Add(p.publisher_like);
      }
      MAMORI_RETURN_IF_ERROR(
          conn_
              .Query("INSERT INTO software_patterns (title_id, first_char, "
                     "name_like, publisher_like) VALUES ($1, $2, $3, $4)",
                     params)
              .status());
    }
  }
  // The same rule as the trigger on packages, over the whole catalogue.
  MAMORI_RETURN_IF_ERROR(conn_.Exec(R"sql(
INSERT INTO software_matches (package_id, title_id)
SELECT p.id, sp.title_id FROM packages p, software_patterns sp
 WHERE sp.first_char IN (lower(substr(p.name, 1, 1)), '')
   AND p.name ILIKE sp.name_like
   AND (sp.publisher_like IS NULL OR p.publisher ILIKE sp.publisher_like)
ON CONFLICT DO NOTHING
)sql"));
  MAMORI_RETURN_IF_ERROR(
      conn_
          .Query("INSERT INTO software_dictionary_state (id, fingerprint) "
                 "VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET fingerprint = "
                 "excluded.fingerprint",
                 Params().Add(dictionary.fingerprint))
          .status());
  return tx.Commit();
}

Result<SoftwareRules> PgSoftwareStore::LoadRules(int64_t org_id) {
  SoftwareRules out;
  Result<Rows> rules = conn_.Query(
      "SELECT action, target_kind, target, platform FROM software_rules "
      "WHERE org_id = $1 ORDER BY action COLLATE \"C\", target_kind COLLATE "
      "\"C\", target COLLATE \"C\", platform COLLATE \"C\"",
      Params().Add(org_id));
  if (!rules.ok()) return rules.status();
  for (int i = 0; i < rules->size(); ++i) {
    out.rules.push_back({rules->Text(i, 0), rules->Text(i, 1),
                         rules->Text(i, 2), rules->Text(i, 3)});
  }
  Result<Rows> floors = conn_.Query(
      "SELECT title_id, min_version FROM software_floors WHERE org_id = $1 "
      "ORDER BY title_id COLLATE \"C\"",
      Params().Add(org_id));
  if (!floors.ok()) return floors.status();
  for (int i = 0; i < floors->size(); ++i) {
    out.floors.push_back({floors->Text(i, 0), floors->Text(i, 1)});
  }
  Result<Rows> licences = conn_.Query(
      "SELECT title_id, owned FROM software_licences WHERE org_id = $1 "
      "ORDER BY title_id COLLATE \"C\"",
      Params().Add(org_id));
  if (!licences.ok()) return licences.status();
  for (int i = 0; i < licences->size(); ++i) {
    out.licences.push_back({licences->Text(i, 0), licences->Int(i, 1)});
  }
  return out;
}

Status PgSoftwareStore::AddRule(int64_t org_id, const SoftwareRule& rule,
                                const std::string& who, TimePoint now) {
  Transaction tx(conn_);
  MAMORI_RETURN_IF_ERROR(tx.Begin());
  Result<Rows> added = conn_.Query(
      "INSERT INTO software_rules (org_id, action, target_kind, target, "
      "platform) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
      Params()
          .Add(org_id)
          .Add(rule.action)
          .Add(rule.target_kind)
          .Add(rule.target)
          .Add(rule.platform));
  if (!added.ok()) return added.status();
  if (added->Affected() == 0) {
    return AlreadyExistsError("the rule \"" + RuleText(rule) +
                              "\" is already set");
  }
  MAMORI_RETURN_IF_ERROR(AppendTrailAudit(conn_, AuditTrail::kSoftware, org_id,
                                          now, who, "rule_added",
                                          RuleText(rule)));
  return tx.Commit();
}

Status PgSoftwareStore::RemoveRule(int64_t org_id, const SoftwareRule& rule,
                                   const std::string& who, TimePoint now) {
  Transaction tx(conn_);
  MAMORI_RETURN_IF_ERROR(tx.Begin());
  Result<Rows> removed = conn_.Query(
      "DELETE FROM software_rules WHERE org_id = $1 AND action = $2 AND "
      "target_kind = $3 AND target = $4 AND platform = $5",
      Params()
          .Add(org_id)
          .Add(rule.action)
          .Add(rule.target_kind)
          .Add(rule.target)
          .Add(rule.platform));
  if (!removed.ok()) return removed.status();
  if (removed->Affected() == 0) {
    return NotFoundError("no rule \"" + RuleText(rule) + "\"");
  }
  MAMORI_RETURN_IF_ERROR(AppendTrailAudit(conn_, AuditTrail::kSoftware, org_id,
                                          now, who, "rule_removed",
                                          RuleText(rule)));
  return tx.Commit();
}

Status PgSoftwareStore::SetFloor(int64_t org_id, const SoftwareFloor& floor,
                                 const std::string& who, TimePoint now) {
  Transaction tx(conn_);
  MAMORI_RETURN_IF_ERROR(tx.Begin());
  if (floor.min_version.empty()) {
    Result<Rows> cleared = conn_.Query(
        "DELETE FROM software_floors WHERE org_id = $1 AND title_id = $2",
        Params().Add(org_id).Add(floor.title));
    if (!cleared.ok()) return cleared.status();
    if (cleared->Affected() == 0) {
      return NotFoundError("no version floor for \"" + floor.title + "\"");
    }
    MAMORI_RETURN_IF_ERROR(AppendTrailAudit(conn_, AuditTrail::kSoftware,
                                            org_id, now, who, "floor_cleared",
                                            floor.title));
  } else {
    MAMORI_RETURN_IF_ERROR(
        conn_
            .Query("INSERT INTO software_floors (org_id, title_id, "
                   "min_version) VALUES ($1, $2, $3) ON CONFLICT (org_id, "
                   "title_id) DO UPDATE SET min_version = excluded.min_version",
                   Params().Add(org_id).Add(floor.title).Add(floor.min_version))
            .status());
    MAMORI_RETURN_IF_ERROR(AppendTrailAudit(
        conn_, AuditTrail::kSoftware, org_id, now, who, "floor_set",
        floor.title + " >= " + floor.min_version));
  }
  return tx.Commit();
}

Status PgSoftwareStore::SetLicences(int64_t org_id, const std::string& title,
                                    std::optional<int64_t> owned,
                                    const std::string& who, TimePoint now) {
  if (owned && *owned < 0) {
    return InvalidArgumentError("licences owned must not be negative");
  }
  Transaction tx(conn_);
  MAMORI_RETURN_IF_ERROR(tx.Begin());
  if (!owned) {
    Result<Rows> cleared = conn_.Query(
        "DELETE FROM software_licences WHERE org_id = $1 AND title_id = $2",
        Params().Add(org_id).Add(title));
    if (!cleared.ok()) return cleared.status();
    if (cleared->Affected() == 0) {
      return NotFoundError("no licence count for \"" + title + "\"");
    }
    MAMORI_RETURN_IF_ERROR(AppendTrailAudit(conn_, AuditTrail::kSoftware,
                                            org_id, now, who,
                                            "licences_cleared", title));
  } else {
    MAMORI_RETURN_IF_ERROR(
        conn_
            .Query("INSERT INTO software_licences (org_id, title_id, owned) "
                   "VALUES ($1, $2, $3) ON CONFLICT (org_id, title_id) DO "
                   "UPDATE SET owned = excluded.owned",
                   Params().Add(org_id).Add(title).Add(*owned))
            .status());
    MAMORI_RETURN_IF_ERROR(AppendTrailAudit(
        conn_, AuditTrail::kSoftware, org_id, now, who, "licences_set",
        title + " = " + std::to_string(*owned)));
  }
  return tx.Commit();
}

Result<std::vector<SoftwareAuditEntry>> PgSoftwareStore::History(int64_t org_id,
                                                                 int limit) {
  Result<Rows> rows = conn_.Query(
      "SELECT at, who, action, detail FROM software_audit WHERE org_id = $1 "
      "ORDER BY id DESC LIMIT $2",
      Params().Add(org_id).Add(static_cast<int64_t>(limit)));
  if (!rows.ok()) return rows.status();
  std::vector<SoftwareAuditEntry> out;
  for (int i = 0; i < rows->size(); ++i) {
    out.push_back({FromUnixSeconds(rows->Int(i, 0)), rows->Text(i, 1),
                   rows->Text(i, 2), rows->Text(i, 3)});
  }
  return out;
}

Result<SoftwareInventory> PgSoftwareStore::Inventory(int64_t org_id) {
  SoftwareInventory out;
  Result<Rows> installs = conn_.Query(R"sql(
WITH matched AS MATERIALIZED (
  SELECT m.package_id, m.title_id FROM software_matches m)
SELECT DISTINCT m.title_id COLLATE "C", h.host_id, h.hostname COLLATE "C",
       COALESCE(h.platform, ''), p.name COLLATE "C", p.version COLLATE "C",
       p.publisher
  FROM v_hosts h
  CROSS JOIN matched m
  JOIN host_packages hp
    ON hp.host_id = h.host_id AND hp.package_id = m.package_id
  JOIN packages p ON p.id = m.package_id
 WHERE h.org_id = $1
 ORDER BY 1, 3, 2, 5, 6
)sql",
                                      Params().Add(org_id));
  if (!installs.ok()) return installs.status();
  for (int i = 0; i < installs->size(); ++i) {
    out.installs.push_back({installs->Text(i, 0), installs->Int(i, 1),
                            installs->Text(i, 2), installs->Text(i, 3),
                            installs->Text(i, 4), installs->Text(i, 5),
                            installs->Text(i, 6)});
  }
  Result<Rows> hosts = conn_.Query(R"sql(
SELECT h.hostname, f.state
  FROM v_hosts h
  LEFT JOIN v_family_state f ON f.host_id = h.host_id AND f.family = 'packages'
 WHERE h.org_id = $1
 ORDER BY h.hostname COLLATE "C", h.host_id
)sql",
                                   Params().Add(org_id));
  if (!hosts.ok()) return hosts.status();
  for (int i = 0; i < hosts->size(); ++i) {
    ++out.hosts;
    if (hosts->IsNull(i, 1) || hosts->View(i, 1) != "ok") {
      out.hosts_without_inventory.push_back(hosts->Text(i, 0));
    }
  }
  return out;
}

}  // namespace mamori::store::pg

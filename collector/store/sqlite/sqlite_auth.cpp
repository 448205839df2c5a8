// SqliteStore: credentials, client certificates, host and token revocation
// (issue 13.1, 13.3). Apart from sqlite_store.cpp so the store's big file
// keeps its shape; same class, same mutex, same statement cache.
#include <string>

#include "collector/pki/crypto.h"
#include "collector/store/sqlite/sqlite_store.h"
#include "common/text.h"

namespace mamori::store {

Result<HostCredential> SqliteStore::FindHostCredential(int64_t host_id) {
  std::lock_guard<std::mutex> lock(auth_mu_);
  if (!auth_query_.has_value()) {
    const char* path = sqlite3_db_filename(db_.raw(), "main");
    if (path == nullptr || *path == '\0') {
      return FailedPreconditionError("credential reads need a database file");
    }
    Result<Database> reader = Database::Open(path, /*create=*/false);
    if (!reader.ok()) return reader.status();
    auth_db_.emplace(std::move(reader).value());
    Result<Statement> query = auth_db_->Prepare(
        "SELECT h.org_id, h.node_key_hash, coalesce(c.cert_sha256, ''), "
        "coalesce(r.revoked_at > h.enrolled_at, 0) FROM hosts h LEFT JOIN "
        "host_certificates c ON c.host_id = h.id LEFT JOIN host_revocations r "
        "ON r.host_id = h.id WHERE h.id = ?1");
    if (!query.ok()) return query.status();
    auth_query_.emplace(std::move(query).value());
  }
  Statement& s = *auth_query_;
  s.Reset();
  s.Bind(1, host_id);
  Result<bool> row = s.Step();
  if (!row.ok()) {
    s.Reset();
    return row.status();
  }
  if (!*row) {
    s.Reset();
    return NotFoundError("no host " + std::to_string(host_id));
  }
  HostCredential credential;
  credential.host_id = host_id;
  credential.org_id = s.ColumnInt(0);
  credential.revoked = s.ColumnInt(3) != 0;
  if (!credential.revoked) {
    credential.node_key_hash = s.ColumnText(1);
    credential.cert_sha256 = s.ColumnText(2);
  }
  // Ends the read transaction, so the WAL can be checkpointed past it.
  s.Reset();
  return credential;
}

Status SqliteStore::SetHostCertificate(int64_t host_id,
                                       const std::string& cert_sha256) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<Statement*> upsert = Stmt(
      "INSERT INTO host_certificates (host_id, org_id, cert_sha256, "
      "issued_at) SELECT id, org_id, ?2, ?3 FROM hosts WHERE id = ?1 ON "
      "CONFLICT (host_id) DO UPDATE SET cert_sha256 = excluded.cert_sha256, "
      "issued_at = excluded.issued_at");
  if (!upsert.ok()) return upsert.status();
  (*upsert)
      ->Bind(1, host_id)
      .Bind(2, cert_sha256)
      .Bind(3, ToUnixSeconds(clock_.Now()));
  MAMORI_RETURN_IF_ERROR((*upsert)->Run());
  if (db_.Changes() == 0) {
    return NotFoundError("no host " + std::to_string(host_id));
  }
  return Status::Ok();
}

Status SqliteStore::RevokeHost(const std::string& org, int64_t host_id) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<Organization> found = FindOrgLocked(org);
  if (!found.ok()) return found.status();
  const int64_t now = ToUnixSeconds(clock_.Now());
  Transaction tx(db_);
  MAMORI_RETURN_IF_ERROR(tx.Begin());
  // An empty hash equals no node key (StoreReports refuses empty keys), so
  // the old key stops working in the same commit that records the
  // revocation; the certificate row goes, so no certificate matches.
  Result<Statement*> blank =
      Stmt("UPDATE hosts SET node_key_hash = '' WHERE id = ?1 AND org_id = ?2");
  if (!blank.ok()) return blank.status();
  (*blank)->Bind(1, host_id).Bind(2, found->id);
  MAMORI_RETURN_IF_ERROR((*blank)->Run());
  if (db_.Changes() == 0) {
    return NotFoundError("no host " + std::to_string(host_id) +
                         " in organisation '" + org + "'");
  }
  Result<Statement*> forget_cert =
      Stmt("DELETE FROM host_certificates WHERE host_id = ?1");
  if (!forget_cert.ok()) return forget_cert.status();
  (*forget_cert)->Bind(1, host_id);
  MAMORI_RETURN_IF_ERROR((*forget_cert)->Run());
  // The revocation must be later than the last enrollment; both are whole
  // seconds, so one enrolled this very second is revoked "a second later".
  Result<Statement*> record = Stmt(
      "INSERT INTO host_revocations (host_id, org_id, revoked_at) SELECT id, "
      "org_id, max(?2, enrolled_at + 1) FROM hosts WHERE id = ?1 ON CONFLICT "
      "(host_id) DO UPDATE SET revoked_at = excluded.revoked_at");
  if (!record.ok()) return record.status();
  (*record)->Bind(1, host_id).Bind(2, now);
  MAMORI_RETURN_IF_ERROR((*record)->Run());
  return tx.Commit();
}

Result<bool> SqliteStore::CertificateIsCurrent(const ReportInput& report) {
  if (report.certificate_sha256.empty()) return false;
  Result<Statement*> query = Stmt(
      "SELECT c.cert_sha256 FROM host_certificates c WHERE c.host_id = ?1");
  if (!query.ok()) return query.status();
  (*query)->Bind(1, report.host_id);
  Result<bool> row = (*query)->Step();
  if (!row.ok()) {
    (*query)->Reset();
    return row.status();
  }
  const bool current =
      *row && pki::ConstantTimeEquals((*query)->ColumnView(0),
                                      report.certificate_sha256);
  (*query)->Reset();
  return current;
}

Status SqliteStore::RevokeToken(const std::string& org,
                                const std::string& id_or_prefix) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<Organization> found = FindOrgLocked(org);
  if (!found.ok()) return found.status();
  std::optional<int64_t> id = ParseInt64(id_or_prefix);
  if (!id.has_value() && id_or_prefix.size() < 6) {
    return InvalidArgumentError("token prefix '" + id_or_prefix +
                                "' is too short; give at least 6 characters "
                                "or the token id (see token list)");
  }
  // By id, by a prefix of the shown prefix, or by the whole token (whose
  // hash we know); only among this organisation's tokens.
  Result<Statement*> query = Stmt(
      "SELECT id FROM tokens WHERE org_id = ?1 AND (id = ?2 OR (?2 IS NULL "
      "AND (substr(prefix, 1, length(?3)) = ?3 OR token_hash = ?4)))");
  if (!query.ok()) return query.status();
  (*query)->Bind(1, found->id).Bind(2, id);
  (*query)->Bind(3, id_or_prefix).Bind(4, pki::Sha256Hex(id_or_prefix));
  std::vector<int64_t> matches;
  while (true) {
    Result<bool> row = (*query)->Step();
    if (!row.ok()) {
      (*query)->Reset();
      return row.status();
    }
    if (!*row) break;
    matches.push_back((*query)->ColumnInt(0));
  }
  (*query)->Reset();
  if (matches.empty()) {
    return NotFoundError("no token with id or prefix '" + id_or_prefix +
                         "' in organisation '" + org + "'");
  }
  if (matches.size() > 1) {
    return InvalidArgumentError("prefix '" + id_or_prefix + "' matches " +
                                std::to_string(matches.size()) +
                                " tokens; give the token id");
  }
  Result<Statement*> update = Stmt(
      "UPDATE tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL");
  if (!update.ok()) return update.status();
  (*update)->Bind(1, matches[0]).Bind(2, ToUnixSeconds(clock_.Now()));
  return (*update)->Run();
}

}  // namespace mamori::store

#pragma once

// Store: every read and write the collector makes, as operations (create an
// organisation, enroll a host, store a batch of reports, list hosts …), never
// as SQL. This folder holds the ports (this file, grading_port.h,
// register_port.h, check_queries.h) and backend-neutral code (domain rules in
// identity.h, tokens.h, ingest_plan.h; the factory in open_store.h). Each
// backend lives in a folder of its own: sqlite/ (SqliteStore) now, a
// PostgreSQL one next, plugged in by OpenStore's URL scheme. Nothing outside
// a backend folder sees a connection.
//
// Tenancy: every host, token and fact belongs to one organisation. Reads that
// return hosts or facts take the organisation and never return another's rows.
//
// Thread safety: implementations are safe to call from several threads; the
// SQLite one serialises calls on one connection.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "collector/store/evidence_store.h"
#include "common/clock.h"
#include "common/status.h"

namespace mamori::asset_register {
class RegisterPort;
}  // namespace mamori::asset_register

namespace mamori::store {

class GradingPort;

struct OrgSpec {
  std::string name;
  std::string industry;              // code for peer comparison; may be empty
  std::optional<int64_t> employees;  // unset = not given
  std::string region;
};

struct Organization {
  int64_t id = 0;
  std::string name;
  std::string industry;
  std::optional<int64_t> employees;
  std::string region;
  TimePoint created_at;
  int64_t host_count = 0;
};

struct TokenSpec {
  std::string org;                      // organisation name
  std::optional<TimePoint> expires_at;  // unset = never expires
  std::optional<int64_t> uses;          // unset = unlimited
};

struct TokenInfo {
  int64_t id = 0;
  std::string org;
  std::string prefix;  // first characters of the token, for telling them apart
  TimePoint created_at;
  std::optional<TimePoint> expires_at;
  std::optional<int64_t> uses_left;
  int64_t uses = 0;
  std::optional<TimePoint> revoked_at;
};

struct CreatedToken {
  TokenInfo info;
  std::string token;  // the secret; shown once, only its hash is stored
};

struct HostIdentityData {
  std::string hostname;
  std::string machine_id;
  std::string smbios_uuid;
  std::string serial;
  std::vector<std::string> macs;
};

struct EnrollInput {
  std::string token;  // as presented by the agent
  HostIdentityData identity;
  std::string os_name;
  std::string os_version;
  std::string agent_version;
  std::string node_key_hash;  // hex SHA-256 of the new node key
  // Proof of an existing enrollment: the host id and the hex SHA-256 of the
  // node key the agent held for it (both unset/empty when none).
  std::optional<int64_t> previous_host_id;
  std::string previous_node_key_hash;
};

struct EnrollOutcome {
  int64_t host_id = 0;
  int64_t org_id = 0;
  std::string org_name;
  bool reattached = false;       // an existing host record was reused
  bool clone_suspected = false;  // new record flagged as a clone
  std::optional<int64_t> clone_of;
  // New record sharing one identifier with this host: possibly the same
  // machine, for an organisation admin to merge (identity.h).
  std::optional<int64_t> possible_duplicate_of;
};

struct HostRecord {
  int64_t id = 0;
  int64_t org_id = 0;
  std::string hostname;
  std::string os_name;
  std::string os_version;
  std::string agent_version;
  HostIdentityData identity;
  bool is_clone = false;
  std::optional<int64_t> clone_of;
  std::optional<int64_t> possible_duplicate_of;
  TimePoint enrolled_at;
  int64_t enroll_count = 0;
  TimePoint first_seen;
  TimePoint last_seen;
  std::optional<TimePoint> last_collected_at;
  int64_t reports_stored = 0;
  int64_t dropped_reports = 0;
  bool stale = false;  // last_seen older than the threshold asked for
};

// One fact family's current content as stored.
struct FamilyRecord {
  std::string family;
  std::string state;  // CollectionState name ("STATUS_OK")
  std::optional<TimePoint> collected_at;
  std::string payload_json;
  std::string sha256;
  TimePoint updated_at;
};

struct FactChange {
  std::string family;
  std::string state;
  std::optional<TimePoint> changed_at;
  TimePoint received_at;
  std::string payload_json;
  std::string sha256;
};

struct PackageRow {
  std::string name;
  std::string version;
  std::string architecture;
  std::string source;  // PackageSource name
  std::string publisher;
  std::string scope;
  std::optional<int64_t> install_time;  // Unix seconds
};

struct PackageChange {
  std::string name;
  std::string architecture;
  std::optional<std::string> old_version;  // unset = newly installed
  std::optional<std::string> new_version;  // unset = removed
  std::optional<TimePoint> changed_at;
};

// A family sent in full.
struct FamilyUpdate {
  std::string family;
  std::string state;
  std::optional<int64_t> collected_at;  // Unix seconds
  std::string payload_json;
  std::string sha256;  // part digest (see service/part_digest.h)
  // When set, produces payload_json on demand: the store calls it only for
  // families whose digest changed, so unchanged families of a steady report
  // are never converted to JSON.
  std::function<Result<std::string>()> payload_fn = nullptr;

  // The JSON payload: payload_fn() when set, else payload_json.
  Result<std::string> Payload() const {
    return payload_fn ? payload_fn() : Result<std::string>(payload_json);
  }
};

// A family sent only as its digest.
struct PartRef {
  std::string family;
  std::string sha256;
};

// One validated report, ready to store.
struct ReportInput {
  int64_t host_id = 0;
  std::string node_key_hash;  // empty when authenticated by certificate
  // The peer presented a client certificate from our CA naming host_id;
  // StoreReports accepts it only when its SHA-256 (certificate_sha256) is
  // the host's current certificate (SetHostCertificate) and not revoked.
  bool authenticated_by_certificate = false;
  std::string certificate_sha256;
  std::string report_id;
  std::optional<int64_t> collected_at;  // Unix seconds, agent clock
  std::vector<FamilyUpdate> families;
  // The package list when the "packages" family is among `families`.
  std::vector<PackageRow> packages;
  std::vector<PartRef> unchanged;
  uint64_t dropped_reports = 0;
  // Host-list columns refreshed from the report; empty = keep.
  std::string hostname;
  std::string os_name;
  std::string os_version;
  std::string agent_version;
  // The identity facts the report carries, normalised as at enrollment
  // (SMBIOS UUID lower case, MACs sorted), to tell a copied agent state
  // directory (report_identity.h). Empty fields are not compared.
  HostIdentityData identity;
  // Seconds collected_at was ahead of the collector's clock when received
  // (collected_at was then set to the time received); unset when within the
  // allowed skew.
  std::optional<int64_t> clock_ahead_seconds;
  // Size of the request as received, for bounding what waits in memory.
  size_t wire_bytes = 0;
  // Memory the parsed request keeps while the report waits (its arena:
  // families are turned into JSON by the writer), for the same bound.
  size_t held_bytes = 0;
};

// A host's credentials as stored (FindHostCredential).
struct HostCredential {
  int64_t host_id = 0;
  int64_t org_id = 0;
  std::string node_key_hash;  // hex SHA-256; empty when revoked
  std::string cert_sha256;    // current client certificate; empty = none
  bool revoked = false;
};

enum class ReportOutcome { kStored, kDuplicate, kNeedParts };

struct ReportResult {
  ReportOutcome outcome = ReportOutcome::kStored;
  std::vector<std::string> missing_parts;  // with kNeedParts
  // The reporting host's organisation (set whenever the host was found), so
  // the caller can schedule re-grading without another query.
  int64_t org_id = 0;
};

// Store also answers the evidence flags it records while storing reports
// (evidence_store.h).
class Store : public EvidenceFlagStore {
 public:
  virtual ~Store() = default;

  // Returns the new organisation; ALREADY_EXISTS when the name is taken;
  // INVALID_ARGUMENT for an empty name or negative employees.
  virtual Result<Organization> CreateOrg(const OrgSpec& spec) = 0;
  // All organisations by name, with their host counts.
  virtual Result<std::vector<Organization>> ListOrgs() = 0;
  // NOT_FOUND naming the organisation when absent.
  virtual Result<Organization> FindOrg(const std::string& name) = 0;

  // Creates a random enrollment token for `spec.org`. NOT_FOUND when the
  // organisation is unknown; INVALID_ARGUMENT for uses < 1.
  virtual Result<CreatedToken> CreateToken(const TokenSpec& spec) = 0;
  // Tokens of `org` (all organisations when empty), newest first.
  virtual Result<std::vector<TokenInfo>> ListTokens(const std::string& org) = 0;
  // Revokes the token of organisation `org` whose id (decimal) or prefix is
  // `id_or_prefix`; tokens of other organisations are never matched (the
  // same NOT_FOUND as for no match). NOT_FOUND when the organisation or the
  // token is unknown; INVALID_ARGUMENT when a prefix matches more than one
  // or is shorter than 6 characters; OK (no change) when already revoked.
  // Defined in sqlite_auth.cpp.
  virtual Status RevokeToken(const std::string& org,
                             const std::string& id_or_prefix) = 0;

  // Checks the token (UNAUTHENTICATED when unknown, expired, revoked or used
  // up, saying which: tokens.h), then applies the identity rule of
  // identity.h within the token's organisation: re-attaches to the host the
  // request proves or that agrees on two identifiers (replacing its node key
  // hash), or creates a host — flagged as a clone, or as a possible
  // duplicate whose original keeps its node key. One transaction.
  virtual Result<EnrollOutcome> Enroll(const EnrollInput& input) = 0;

  // Stores reports in one transaction, each all-or-nothing. Per report:
  // UNAUTHENTICATED for an unknown host, a wrong node key, a client
  // certificate that is not the host's current one, or a revoked host
  // (checked in the writing transaction, so a revocation committed before
  // it is always seen); UNAVAILABLE when the disk is full or the database
  // busy (retry later); DATA_LOSS when the database is corrupt; kDuplicate when
  // the report id was stored before; kNeedParts (nothing stored) when an
  // unchanged part's digest is unknown for the host. When the commit itself
  // fails every entry carries that error. Results are in input order.
  virtual std::vector<Result<ReportResult>> StoreReports(
      std::span<const ReportInput> reports) = 0;

  // Hosts of `org` by id. `stale_after` sets HostRecord::stale. NOT_FOUND
  // when the organisation is unknown.
  virtual Result<std::vector<HostRecord>> ListHosts(
      const std::string& org, std::chrono::seconds stale_after) = 0;
  // Current facts of one host of `org`; NOT_FOUND when the host is not in it.
  virtual Result<std::vector<FamilyRecord>> HostFacts(const std::string& org,
                                                      int64_t host_id) = 0;
  // Changes of one family of one host, oldest first.
  virtual Result<std::vector<FactChange>> FactHistory(
      const std::string& org, int64_t host_id, const std::string& family) = 0;
  // The host's current package list, sorted by name.
  virtual Result<std::vector<PackageRow>> HostPackages(const std::string& org,
                                                       int64_t host_id) = 0;
  // Package installs/upgrades/removals of one host, oldest first.
  virtual Result<std::vector<PackageChange>> PackageHistory(
      const std::string& org, int64_t host_id) = 0;

  // Creates the admin account; ALREADY_EXISTS when the name is taken.
  virtual Status CreateAdmin(const std::string& name,
                             const std::string& password_hash) = 0;

  // A grading store over the same data with a connection of its own, for
  // one thread (the grading worker, a CLI command). Returns it, or the
  // backend's error opening the connection; UNIMPLEMENTED from a store with
  // no grading data (test doubles of the ingest path).
  virtual Result<std::unique_ptr<GradingPort>> OpenGrading();
  // The register store over this store's connection. Use it from one thread
  // while no other call is made on this store (the CLI's commands); it must
  // not outlive the store. UNIMPLEMENTED as for OpenGrading.
  virtual Result<std::unique_ptr<asset_register::RegisterPort>> OpenRegister(
      const Clock& clock);
  // --- Authentication and revocation (issue 13; sqlite_auth.cpp) ---------

  // What a report's credentials are checked against, read without a write
  // lock. Returns the host's record; NOT_FOUND when no host has this id.
  // A revoked host has an empty node_key_hash and cert_sha256 (nothing
  // matches them) and revoked set.
  virtual Result<HostCredential> FindHostCredential(int64_t host_id) = 0;
  // Records `cert_sha256` (hex SHA-256 of the DER certificate) as the one
  // client certificate host `host_id` may present; it replaces any earlier
  // one. NOT_FOUND when the host is unknown.
  virtual Status SetHostCertificate(int64_t host_id,
                                    const std::string& cert_sha256) = 0;
  // Revokes host `host_id` of organisation `org`: its node key and client
  // certificate are refused by StoreReports from the next report on, until
  // the host enrolls again with a valid token. NOT_FOUND when the host is
  // not in `org` (another organisation's host is never touched); OK when
  // already revoked.
  virtual Status RevokeHost(const std::string& org, int64_t host_id) = 0;

  // --- History retention (issue 13; sqlite_retention.cpp) ------------------

  // Keeps `days` days of fact and package history for `org` (1 to 36500).
  // NOT_FOUND for an unknown organisation; INVALID_ARGUMENT out of range.
  virtual Status SetHistoryRetention(const std::string& org, int days) = 0;
  // The days of history kept for `org`: its setting, or kDefaultHistoryDays.
  virtual Result<int> HistoryRetention(const std::string& org) = 0;
  // Deletes at most `max_rows` history rows (fact_history, package_changes)
  // received before each organisation's retention, oldest first. Returns
  // the rows deleted (call again while it returns max_rows).
  virtual Result<int64_t> PruneHistory(int64_t max_rows) = 0;
};

// History kept for an organisation without its own setting.
inline constexpr int kDefaultHistoryDays = 400;

}  // namespace mamori::store

#pragma once

// The evidence pack (#15, docs/reports.md): one ZIP per organisation that a
// third party can check without trusting the collector's operator.
//
//   README.txt            how to verify (ja/en)
//   answers.json          questionnaire answers in force, with who and when
//   checks/<check>.csv    per check, every endpoint's result, evidence values
//                         and collection time (UTF-8 with BOM, CRLF,
//                         formula cells neutralised)
//   facts/<host>.json     each endpoint's facts snapshot the results used
//   manifest.sha256       "<sha256>  <file>" for every other file, sorted
//                         (the format of `sha256sum -c`)
//   manifest.sig          Ed25519 detached signature of manifest.sha256, hex
//   parameters.json       policy version hash, thresholds, check parameters
//   policies/…            the policy and questionnaire files in force
//   report.pdf            the diagnosis report
//   signing_key.pub       the collector's public signing key
//
// A pack may be limited to one employee rule (PackSources::rule); it is
// verified like the full pack.
//
// Written as a stream in name order with fixed timestamps (`as_of`), so the
// same data and the same as_of give a byte-identical pack. Memory holds one
// host's facts or one check's CSV at a time plus the manifest lines.
//
// Thread-compatible.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "collector/pki/signing_key.h"
#include "collector/policy/grading_service.h"
#include "collector/report/zip.h"
#include "collector/store/report_store.h"

namespace mamori::report {

struct PackSources {
  TimePoint as_of;
  // "" for the whole organisation; an employee-rule id for a pack of that
  // rule only: its checks' CSVs, its questionnaire answer, its checks'
  // parameters and "rule" in parameters.json. The facts of every endpoint
  // (the rule's checks read all of them) and the full report stay.
  std::string rule;
  const policy::GradeReport* report = nullptr;
  std::string report_pdf;
  // Path inside policies/ → file text, e.g. "builtin/checks/antivirus.yaml".
  std::vector<std::pair<std::string, std::string>> policy_files;
  std::vector<store::AnswerRow> answers;
  // Calls its argument once per host (ReportStore::ForEachHostFacts).
  std::function<Status(const std::function<Status(const store::HostFacts&)>&)>
      for_each_host_facts;
};

// Writes the pack to `sink`. Errors: the sink's, or INTERNAL.
Status WriteEvidencePack(const PackSources& sources, const pki::SigningKey& key,
                         const ZipWriter::Sink& sink);

// "facts/host-0000000042.json" and its content: host id, name and each
// family's state, collection time, digest and facts (exposed for tests).
std::string FactsFileName(int64_t host_id);
std::string FactsJson(const store::HostFacts& host);

// The CSV of one check's results (exposed for tests).
std::string CheckCsv(const policy::GradeReport& report,
                     const std::string& check_id);

struct PackVerification {
  bool ok = false;
  std::string fingerprint;  // of the key the pack was checked against
  int files = 0;            // files listed in the manifest
  // One line per problem, naming the file: "changed: checks/x.csv",
  // "missing: …", "extra: …", "signature: …".
  std::vector<std::string> problems;
};

// Verifies a pack. With `trusted_public_key` (32 bytes) the signature must
// be by that key; without it, by the key inside the pack (then only the
// fingerprint printed by `init` tells whose key it is). Returns the
// verification, or an error when the archive itself is refused (zip bomb,
// path traversal, damaged).
Result<PackVerification> VerifyEvidencePack(
    std::string_view zip_bytes,
    const std::optional<std::string>& trusted_public_key,
    const ZipLimits& limits = {});

}  // namespace mamori::report

#include "collector/report/evidence_pack.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "collector/register/csv_format.h"
#include "collector/report/report_model.h"
#include "common/sha256.h"
#include "common/text.h"

namespace mamori::report {

namespace {

using J = nlohmann::ordered_json;

constexpr char kManifest[] = "manifest.sha256";
constexpr char kSignature[] = "manifest.sig";
constexpr char kPublicKey[] = "signing_key.pub";

std::string Rfc3339(int64_t unix_seconds) {
  return FormatUtc(FromUnixSeconds(unix_seconds), "%Y-%m-%dT%H:%M:%SZ");
}

std::string Dump(const J& j) {
  return j.dump(2, ' ', false, J::error_handler_t::replace) + "\n";
}

constexpr char kReadme[] =
    "mamori evidence pack / mamori 証跡パック\n"
    "\n"
    "Every file but manifest.sha256 and manifest.sig is listed in "
    "manifest.sha256 with its SHA-256.\n"
    "manifest.sig is the Ed25519 signature (hex) of manifest.sha256 by the "
    "key in signing_key.pub.\n"
    "Compare that key's fingerprint (SHA-256 of the 32 key bytes) with the "
    "one the collector's `init` printed.\n"
    "\n"
    "Verify / 検証:  mamori-collector evidence verify PACK.zip "
    "[--public-key signing_key.pub]\n"
    "Without mamori / mamori なしで:  unzip PACK.zip -d pack && cd pack && "
    "sha256sum -c manifest.sha256\n"
    "  and check manifest.sig with any Ed25519 tool (e.g. Python "
    "nacl.signing.VerifyKey).\n"
    "\n"
    "manifest.sha256 以外のすべてのファイルの SHA-256 が manifest.sha256 "
    "に、その Ed25519 署名が manifest.sig にあります。\n"
    "signing_key.pub の指紋を、コレクタの init が表示した指紋と照合して"
    "ください。\n";

class PackWriter {
 public:
  PackWriter(const ZipWriter::Sink& sink, TimePoint as_of)
      : zip_(sink, as_of) {}
  Status Add(const std::string& name, std::string_view data) {
    manifest_[name] = Sha256Hex(data);
    return zip_.Add(name, data);
  }
  // Lists a file written later (its content is already known).
  void Expect(const std::string& name, std::string_view data) {
    manifest_[name] = Sha256Hex(data);
  }
  std::string Manifest() const {
    std::string out;
    for (const auto& [name, hash] : manifest_) {
      out += hash + "  " + name + "\n";
    }
    return out;
  }
  ZipWriter& zip() { return zip_; }

 private:
  ZipWriter zip_;
  std::map<std::string, std::string> manifest_;
};

// A JSON string literal of `text` (invalid UTF-8 replaced).
std::string Quote(std::string_view text) {
  return J(std::string(text)).dump(-1, ' ', false, J::error_handler_t::replace);
}

}  // namespace

std::string FactsFileName(int64_t host_id) {
  // Zero-padded ids keep name order equal to host order.
  char name[48];
  std::snprintf(name, sizeof name, "facts/host-%010lld.json",
                static_cast<long long>(host_id));
  return name;
}

std::string FactsJson(const store::HostFacts& h) {
  // The stored payloads are JSON already: they are copied as they are when
  // valid (checked without building a document), quoted as a string when
  // not. Building and re-printing a DOM per family doubled the pack's time.
  std::string out = "{\n  \"host_id\": " + std::to_string(h.host_id) +
                    ",\n  \"hostname\": " + Quote(h.hostname) +
                    ",\n  \"families\": [";
  for (size_t i = 0; i < h.families.size(); ++i) {
    const auto& f = h.families[i];
    out += i ? ",\n    {" : "\n    {";
    out +=
        "\"family\": " + Quote(f.family) + ", \"state\": " + Quote(f.state) +
        ", \"collected_at\": " +
        (f.collected_at ? Quote(Rfc3339(*f.collected_at)) : "null") +
        ", \"sha256\": " + Quote(f.sha256) + ",\n     \"facts\": " +
        (J::accept(f.payload_json) ? f.payload_json : Quote(f.payload_json)) +
        "}";
  }
  out += h.families.empty() ? "]\n}\n" : "\n  ]\n}\n";
  return out;
}

std::string CheckCsv(const policy::GradeReport& r,
                     const std::string& check_id) {
  std::map<std::string, std::string> hostnames;
  for (const auto& h : r.hosts) {
    hostnames[std::to_string(h.host_id)] = h.hostname;
  }
  std::set<std::string> names;
  std::vector<const grading::CheckResult*> rows;
  for (const auto& res : r.results) {
    if (res.check_id != check_id) continue;
    rows.push_back(&res);
    for (const auto& e : res.evidence) names.insert(e.name);
  }
  std::sort(rows.begin(), rows.end(), [](const auto* a, const auto* b) {
    const auto ia = ParseInt64(a->host_id), ib = ParseInt64(b->host_id);
    if (ia && ib && *ia != *ib) return *ia < *ib;
    return a->host_id < b->host_id;
  });
  std::vector<std::vector<std::string>> table;
  std::vector<std::string> header = {"host_id", "hostname", "status",
                                     "collected_at", "unknown_since"};
  for (const auto& n : names) header.push_back(CleanText(n, 200));
  table.push_back(header);
  for (const auto* res : rows) {
    auto it = hostnames.find(res->host_id);
    std::vector<std::string> row = {
        res->host_id, CleanText(it != hostnames.end() ? it->second : "", 1000),
        std::string(grading::CheckStatusName(res->status)),
        res->collected_at ? Rfc3339(ToUnixSeconds(*res->collected_at)) : "",
        res->unknown_since ? Rfc3339(ToUnixSeconds(*res->unknown_since)) : ""};
    for (const auto& n : names) {
      std::string value;
      for (const auto& e : res->evidence) {
        if (e.name == n) value = CleanText(e.value, 4000);
      }
      row.push_back(value);
    }
    table.push_back(std::move(row));
  }
  // UTF-8 with BOM, CRLF, every cell through NeutraliseCell.
  return asset_register::EncodeCsv(table);
}

Status WriteEvidencePack(const PackSources& s, const pki::SigningKey& key,
                         const ZipWriter::Sink& sink) {
  const policy::GradeReport& r = *s.report;
  PackWriter pack(sink, s.as_of);

  // Small files written after the manifest: known now, so listed now.
  J params;
  params["organisation"] = r.org;
  params["as_of"] = Rfc3339(ToUnixSeconds(s.as_of));
  params["policy_version"] = r.policy_version;
  params["thresholds"] = {
      {"min_coverage_percent", r.settings.min_coverage_percent},
      {"min_pass_percent", r.settings.min_pass_percent},
      {"max_evidence_age_seconds", r.settings.max_evidence_age.count()},
      {"expected_endpoints", r.settings.expected_endpoints}};
  // The checks in the pack: every rule's and topic's, or one rule's.
  std::set<std::string> check_ids;
  for (const auto& rule : r.rules) {
    if (!s.rule.empty() && rule.grade.rule != s.rule) continue;
    for (const auto* c : rule.checks) check_ids.insert(c->id);
  }
  if (s.rule.empty()) {
    for (const auto& t : r.topics) {
      for (const auto* c : t.checks) check_ids.insert(c->id);
    }
  } else {
    params["rule"] = s.rule;
  }
  J check_params = J::object();
  for (const auto& [check, values] : r.answers.parameters) {
    if (!s.rule.empty() && !check_ids.count(check)) continue;
    J v = J::object();
    for (const auto& [name, value] : values) v[name] = value;
    check_params[check] = v;
  }
  params["check_parameters"] = check_params;
  J settings = J::object();
  for (const auto& [name, value] : r.answers.settings) settings[name] = value;
  params["organisation_settings"] = settings;
  const std::string params_text = Dump(params);
  pack.Expect("parameters.json", params_text);
  std::vector<std::pair<std::string, std::string>> policies = s.policy_files;
  std::sort(policies.begin(), policies.end());
  for (const auto& [path, text] : policies) {
    MAMORI_RETURN_IF_ERROR(ValidateEntryName("policies/" + path));
    pack.Expect("policies/" + path, text);
  }
  pack.Expect("report.pdf", s.report_pdf);
  const std::string public_key = pki::PublicKeyText(key.public_key);
  pack.Expect(kPublicKey, public_key);

  // Name order from here on.
  MAMORI_RETURN_IF_ERROR(pack.Add("README.txt", kReadme));
  J answers = J::array();
  for (const auto& a : s.answers) {
    if (!s.rule.empty() &&
        (a.questionnaire != "second_diagnosis" || a.item != s.rule)) {
      continue;
    }
    J value = J::parse(a.answer_json, nullptr, false);
    if (value.is_discarded()) value = a.answer_json;
    answers.push_back({{"questionnaire", a.questionnaire},
                       {"item", a.item},
                       {"answer", value},
                       {"answered_by", a.answered_by},
                       {"answered_at", Rfc3339(a.answered_at)}});
  }
  MAMORI_RETURN_IF_ERROR(pack.Add(
      "answers.json", Dump({{"organisation", r.org}, {"answers", answers}})));

  for (const auto& id : check_ids) {
    MAMORI_RETURN_IF_ERROR(pack.Add("checks/" + id + ".csv", CheckCsv(r, id)));
  }

  if (s.for_each_host_facts) {
    MAMORI_RETURN_IF_ERROR(
        s.for_each_host_facts([&](const store::HostFacts& h) -> Status {
          return pack.Add(FactsFileName(h.host_id), FactsJson(h));
        }));
  }

  const std::string manifest = pack.Manifest();
  MAMORI_RETURN_IF_ERROR(pack.zip().Add(kManifest, manifest));
  MAMORI_RETURN_IF_ERROR(
      pack.zip().Add(kSignature, pki::ToHex(pki::Sign(key, manifest)) + "\n"));
  MAMORI_RETURN_IF_ERROR(pack.zip().Add("parameters.json", params_text));
  for (const auto& [path, text] : policies) {
    MAMORI_RETURN_IF_ERROR(pack.zip().Add("policies/" + path, text));
  }
  MAMORI_RETURN_IF_ERROR(pack.zip().Add("report.pdf", s.report_pdf));
  MAMORI_RETURN_IF_ERROR(pack.zip().Add(kPublicKey, public_key));
  return pack.zip().Finish();
}

Result<PackVerification> VerifyEvidencePack(
    std::string_view zip_bytes,
    const std::optional<std::string>& trusted_public_key,
    const ZipLimits& limits) {
  std::map<std::string, std::string> hashes;
  std::optional<std::string> manifest, signature, pack_key;
  MAMORI_RETURN_IF_ERROR(
      ReadZip(zip_bytes, limits,
              [&](const std::string& name, std::string_view content) -> Status {
                if (name == kManifest) {
                  manifest = std::string(content);
                } else if (name == kSignature) {
                  signature = std::string(content);
                } else {
                  if (name == kPublicKey) pack_key = std::string(content);
                  hashes[name] = Sha256Hex(content);
                }
                return Status::Ok();
              }));
  PackVerification v;
  if (!manifest) v.problems.push_back("missing: manifest.sha256");
  if (!signature) v.problems.push_back("missing: manifest.sig");
  std::optional<std::string> key = trusted_public_key;
  if (pack_key) {
    auto parsed = pki::ParsePublicKeyText(*pack_key);
    if (!parsed.ok()) {
      v.problems.push_back("signing_key.pub: " + parsed.status().message());
    } else if (!key) {
      key = *parsed;
    } else if (*parsed != *key) {
      v.problems.push_back("signing_key.pub: the pack names key " +
                           pki::PublicKeyFingerprint(*parsed) +
                           ", not the trusted key " +
                           pki::PublicKeyFingerprint(*key));
    }
  } else if (!key) {
    v.problems.push_back("missing: signing_key.pub (and no --public-key)");
  }
  if (key) v.fingerprint = pki::PublicKeyFingerprint(*key);
  if (manifest && signature && key) {
    auto sig = pki::FromHex(Trim(*signature));
    if (!sig || !pki::VerifySignature(*key, *manifest, *sig)) {
      v.problems.push_back(
          "signature: manifest.sig is not a valid signature of "
          "manifest.sha256 by key " +
          v.fingerprint + " (manifest or signature changed)");
    }
  }
  if (manifest) {
    std::set<std::string> listed;
    int line_no = 0;
    for (std::string_view line : SplitLines(*manifest)) {
      ++line_no;
      if (line.empty()) continue;
      const size_t sep = line.find("  ");
      if (sep != 64 || line.size() <= 66) {
        v.problems.push_back("manifest.sha256: line " +
                             std::to_string(line_no) + " is malformed");
        continue;
      }
      const std::string hash(line.substr(0, 64));
      const std::string name(line.substr(66));
      listed.insert(name);
      ++v.files;
      auto it = hashes.find(name);
      if (it == hashes.end()) {
        v.problems.push_back("missing: " + name);
      } else if (it->second != hash) {
        v.problems.push_back("changed: " + name);
      }
    }
    for (const auto& [name, hash] : hashes) {
      if (!listed.count(name)) v.problems.push_back("extra: " + name);
    }
  }
  v.ok = v.problems.empty();
  return v;
}

}  // namespace mamori::report

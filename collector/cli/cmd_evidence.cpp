#include "collector/cli/cmd_evidence.h"

#include <cstdio>
#include <ctime>
#include <filesystem>

#include "collector/cli/cli_common.h"
#include "collector/cli/cmd_grade.h"
#include "collector/cli/cmd_report.h"
#include "collector/pki/signing_key.h"
#include "collector/report/evidence_pack.h"
#include "collector/report/org_report.h"
#include "collector/store/open_store.h"
#include "collector/store/report_store.h"
#include "common/text.h"

namespace mamori::collector_cli {

namespace {

namespace po = boost::program_options;
constexpr uint64_t kMaxPackBytes = 2ull << 30;

// "2026-11-20T00:00:00Z" → time; nullopt otherwise.
std::optional<TimePoint> ParseAsOf(const std::string& text) {
  std::tm tm{};
  char z = 0;
  int n = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c%n", &tm.tm_year,
                  &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec,
                  &z, &n) != 7 ||
      z != 'Z' || static_cast<size_t>(n) != text.size()) {
    return std::nullopt;
  }
  if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
      tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60) {
    return std::nullopt;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return FromUnixSeconds(timegm(&tm));
}

int Export(const std::vector<std::string>& args, std::ostream& out,
           std::ostream& err) {
  constexpr std::string_view kCommand = "evidence export";
  po::options_description options("Options");
  std::string data_dir, org, out_path, as_of_text, lang, policies, rule;
  options.add_options()(
      "data", po::value(&data_dir)->default_value(kDefaultDataDir),
      "data directory")("org", po::value(&org), "organisation (required)")(
      "out", po::value(&out_path), "pack file to write (required)")(
      "as-of", po::value(&as_of_text),
      "use the stored results and this time (2026-11-20T00:00:00Z)")(
      "lang", po::value(&lang)->default_value("ja"),
      "language of the report in the pack (ja or en)")(
      "policies", po::value(&policies),
      "directory of custom policy files (default DIR/policies)")(
      "rule", po::value(&rule),
      "a pack of one employee rule (e.g. antivirus) instead of all");
  // On PostgreSQL (issue #17) the results come from the shared database;
  // the signing key stays a file of DATA_DIR (docs/scale.md).
  std::string store_url;
  AddStoreFlag(options, &store_url);
  po::variables_map vm;
  if (std::optional<int> exit =
          ParseFlags(kCommand,
                     "--org NAME --out PACK.zip [--store URL] [--as-of TIME] "
                     "[--lang ja|en] [--rule ID]",
                     options, {}, args, vm, out, err)) {
    return *exit;
  }
  if (org.empty()) return UsageError(kCommand, "--org is required", err);
  if (out_path.empty()) return UsageError(kCommand, "--out is required", err);
  if (lang != "ja" && lang != "en") {
    return UsageError(kCommand, "--lang: expected ja or en, got '" + lang + "'",
                      err);
  }
  if (Status valid = report::ValidatePackRule(rule); !valid.ok()) {
    return UsageError(kCommand, "--" + valid.message() + ", got '" + rule + "'",
                      err);
  }
  std::optional<TimePoint> as_of;
  if (!as_of_text.empty()) {
    as_of = ParseAsOf(as_of_text);
    if (!as_of) {
      return UsageError(kCommand,
                        "--as-of: expected a UTC time like "
                        "2026-11-20T00:00:00Z, got '" +
                            as_of_text + "'",
                        err);
    }
  }
  const DataPaths paths = DataPaths::For(data_dir, store_url);
  auto service = OpenGradingService(data_dir, policies, store_url);
  if (!service.ok()) return Failure(kCommand, service.status(), err);
  auto store = store::OpenReportStore(paths.store_url);
  if (!store.ok()) return Failure(kCommand, store.status(), err);
  // An unknown organisation fails here, before a key or file is made.
  if (auto id = (*service)->store().OrgId(org); !id.ok()) {
    return Failure(kCommand, id.status(), err);
  }

  bool created = false;
  auto key =
      pki::LoadOrCreateSigningKey(paths.pki_dir + "/signing.key", &created);
  if (!key.ok()) return Failure(kCommand, key.status(), err);
  if (created) {
    err << "mamori-collector evidence export: created the signing key "
        << paths.pki_dir << "/signing.key ("
        << pki::PublicKeyFingerprint(key->public_key)
        << ") / 署名鍵を作成しました\n";
  }
  report::OrgPackRequest request;
  request.org = org;
  request.as_of = as_of;
  request.lang = lang;
  request.rule = rule;
  request.custom_policy_dir =
      policies.empty() ? paths.root + "/policies" : policies;

  const std::string tmp = out_path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) {
    return Failure(kCommand, InternalError("cannot create " + tmp), err);
  }
  Result<TimePoint> used = report::WriteOrgEvidencePack(
      **service, **store, request, *key, [&](std::string_view bytes) -> Status {
        if (std::fwrite(bytes.data(), 1, bytes.size(), f) != bytes.size()) {
          return InternalError("cannot write " + tmp);
        }
        return Status::Ok();
      });
  Status written = used.status();
  const bool closed = std::fclose(f) == 0;
  if (written.ok() && !closed) written = InternalError("cannot write " + tmp);
  if (written.ok() && std::rename(tmp.c_str(), out_path.c_str()) != 0) {
    written = InternalError("cannot rename " + tmp + " to " + out_path);
  }
  if (!written.ok()) {
    std::remove(tmp.c_str());
    return Failure(kCommand, written, err);
  }
  out << (lang == "ja" ? "証跡パックを書き出しました: "
                       : "evidence pack written: ")
      << out_path << "\n"
      << "  as of:       " << FormatTime(*used) << "\n"
      << (rule.empty() ? "" : "  rule:        " + rule + "\n")
      << "  signing key: " << pki::PublicKeyFingerprint(key->public_key)
      << "\n";
  return kExitOk;
}

int Verify(const std::vector<std::string>& args, std::ostream& out,
           std::ostream& err) {
  constexpr std::string_view kCommand = "evidence verify";
  po::options_description options("Options");
  std::string pack_path, key_path;
  options.add_options()("pack", po::value(&pack_path), "pack to verify")(
      "public-key", po::value(&key_path),
      "the collector's trusted public key file (signing_key.pub)");
  po::positional_options_description positional;
  positional.add("pack", 1);
  po::variables_map vm;
  if (std::optional<int> exit =
          ParseFlags(kCommand, "PACK.zip [--public-key FILE]", options,
                     positional, args, vm, out, err)) {
    return *exit;
  }
  if (pack_path.empty())
    return UsageError(kCommand, "PACK.zip is required", err);
  std::optional<std::string> trusted;
  if (!key_path.empty()) {
    auto text = ReadFile(key_path, 4096);
    if (!text.ok()) return Failure(kCommand, text.status(), err);
    auto key = pki::ParsePublicKeyText(*text);
    if (!key.ok()) {
      return Failure(kCommand, key.status().WithContext(key_path), err);
    }
    trusted = *key;
  }
  auto data = ReadFile(pack_path, kMaxPackBytes);
  if (!data.ok()) return Failure(kCommand, data.status(), err);
  auto v = report::VerifyEvidencePack(*data, trusted);
  if (!v.ok()) {
    err << "mamori-collector evidence verify: REFUSED / 拒否: " << pack_path
        << ": " << v.status().message() << "\n";
    return kExitFailure;
  }
  if (!v->ok) {
    err << "mamori-collector evidence verify: FAILED / 検証失敗: " << pack_path
        << "\n";
    for (const auto& p : v->problems) err << "  " << p << "\n";
    return kExitFailure;
  }
  out << "OK / 検証成功: " << pack_path << ": " << v->files
      << " files match the signed manifest; signed by " << v->fingerprint
      << (trusted ? " (the trusted key)"
                  : " (the key inside the pack: compare this fingerprint "
                    "with the one `init` printed / init が表示した指紋と照合"
                    "してください)")
      << "\n";
  return kExitOk;
}

}  // namespace

int RunEvidence(const std::vector<std::string>& args, std::ostream& out,
                std::ostream& err) {
  if (args.empty() || (args[0] != "export" && args[0] != "verify")) {
    return UsageError(
        "evidence", "expected `evidence export …` or `evidence verify …`", err);
  }
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  return args[0] == "export" ? Export(rest, out, err) : Verify(rest, out, err);
}

}  // namespace mamori::collector_cli

#include "collector/report/evidence_pack.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "collector/report/report_fixture.h"

namespace mamori::report {
namespace {

namespace fs = std::filesystem;

const TimePoint kNow = FromUnixSeconds(1795132800);

struct Entry {
  std::string name;
  std::string data;
};

class EvidencePackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("mamori-pack-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    auto key = pki::CreateSigningKey((dir_ / "signing.key").string());
    ASSERT_TRUE(key.ok()) << key.status().ToString();
    key_ = *key;
    fixture_ = MakeFixture("株式会社テスト", 6, kNow, true, /*hostile=*/true);
  }
  void TearDown() override { fs::remove_all(dir_); }

  PackSources Sources() {
    PackSources s;
    s.as_of = kNow;
    s.report = &fixture_->report;
    s.report_pdf = "%PDF-1.5 fake report for the pack test\n";
    s.policy_files = {{"builtin/checks/antivirus.yaml", "checks: []\n"}};
    s.answers = {{"second_diagnosis", "antivirus", R"({"written":true})",
                  "山田", 1795000000},
                 {"second_diagnosis", "wifi", R"({"written":false})", "佐藤",
                  1795000000}};
    s.for_each_host_facts =
        [this](const std::function<Status(const store::HostFacts&)>& fn) {
          for (const auto& h : fixture_->report.hosts) {
            store::HostFacts f;
            f.host_id = h.host_id;
            f.hostname = h.hostname;
            f.families.push_back({"antivirus", "STATUS_OK", 1795000000,
                                  R"({"products":[{"name":"ESET"}]})", "ab"});
            MAMORI_RETURN_IF_ERROR(fn(f));
          }
          return Status::Ok();
        };
    return s;
  }

  std::string Pack(const pki::SigningKey& key, const std::string& rule = "") {
    std::string out;
    PackSources sources = Sources();
    sources.rule = rule;
    Status s = WriteEvidencePack(sources, key, [&](std::string_view b) {
      out.append(b);
      return Status::Ok();
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return out;
  }

  static std::vector<Entry> Entries(const std::string& zip) {
    std::vector<Entry> out;
    Status s = ReadZip(zip, {}, [&](const std::string& n, std::string_view d) {
      out.push_back({n, std::string(d)});
      return Status::Ok();
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return out;
  }

  // Re-zips entries as someone who unpacked and edited the pack would.
  static std::string Zip(const std::vector<Entry>& entries) {
    std::string out;
    ZipWriter w(
        [&](std::string_view b) {
          out.append(b);
          return Status::Ok();
        },
        kNow);
    for (const auto& e : entries) EXPECT_TRUE(w.Add(e.name, e.data).ok());
    EXPECT_TRUE(w.Finish().ok());
    return out;
  }

  static bool Has(const PackVerification& v, const std::string& text) {
    for (const auto& p : v.problems) {
      if (p.find(text) != std::string::npos) return true;
    }
    return false;
  }

  fs::path dir_;
  pki::SigningKey key_;
  std::unique_ptr<Fixture> fixture_;
};

TEST_F(EvidencePackTest, VerifiesAndIsByteIdentical) {
  const std::string a = Pack(key_);
  const std::string b = Pack(key_);
  EXPECT_EQ(a, b);
  auto v = VerifyEvidencePack(a, std::nullopt);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_TRUE(v->ok) << (v->problems.empty() ? "" : v->problems[0]);
  EXPECT_EQ(v->fingerprint, pki::PublicKeyFingerprint(key_.public_key));
  // With the trusted key too.
  auto t = VerifyEvidencePack(a, key_.public_key);
  ASSERT_TRUE(t.ok());
  EXPECT_TRUE(t->ok);
  // Entries in name order, with the expected files.
  std::vector<std::string> names;
  for (const auto& e : Entries(a)) names.push_back(e.name);
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  for (const char* n :
       {"README.txt", "answers.json", "checks/antivirus_definitions_fresh.csv",
        "facts/host-0000000001.json", "manifest.sha256", "manifest.sig",
        "parameters.json", "policies/builtin/checks/antivirus.yaml",
        "report.pdf", "signing_key.pub"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), n), names.end()) << n;
  }
  EXPECT_EQ(v->files, static_cast<int>(names.size()) - 2);
}

TEST_F(EvidencePackTest, PerRulePackHoldsThatRuleAndVerifies) {
  const std::string pack = Pack(key_, "antivirus");
  EXPECT_EQ(pack, Pack(key_, "antivirus"));  // byte-identical too
  auto v = VerifyEvidencePack(pack, key_.public_key);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_TRUE(v->ok) << (v->problems.empty() ? "" : v->problems[0]);
  std::set<std::string> all_checks, rule_checks;
  for (const auto& e : Entries(Pack(key_))) {
    if (e.name.rfind("checks/", 0) == 0) all_checks.insert(e.name);
  }
  std::string params, answers;
  bool facts = false, report = false;
  for (const auto& e : Entries(pack)) {
    if (e.name.rfind("checks/", 0) == 0) rule_checks.insert(e.name);
    if (e.name == "parameters.json") params = e.data;
    if (e.name == "answers.json") answers = e.data;
    facts |= e.name.rfind("facts/host-", 0) == 0;
    report |= e.name == "report.pdf";
  }
  // Only the antivirus checks, every one of them.
  std::set<std::string> expected;
  for (const auto& rule : fixture_->report.rules) {
    if (rule.grade.rule != "antivirus") continue;
    for (const auto* c : rule.checks)
      expected.insert("checks/" + c->id + ".csv");
  }
  ASSERT_FALSE(expected.empty());
  EXPECT_EQ(rule_checks, expected);
  EXPECT_LT(rule_checks.size(), all_checks.size());
  EXPECT_TRUE(facts && report);
  const auto p = nlohmann::json::parse(params);
  EXPECT_EQ(p["rule"], "antivirus");
  EXPECT_EQ(answers.find("佐藤"), std::string::npos) << answers;  // wifi's
  EXPECT_NE(answers.find("山田"), std::string::npos) << answers;
  // Tampering with a rule pack is named as with the full pack.
  auto entries = Entries(pack);
  for (auto& e : entries) {
    if (e.name == "parameters.json")
      e.data.replace(e.data.find("antivirus"), 9, "wifi_____");
  }
  auto t = VerifyEvidencePack(Zip(entries), key_.public_key);
  ASSERT_TRUE(t.ok());
  EXPECT_FALSE(t->ok);
  EXPECT_TRUE(Has(*t, "changed: parameters.json"));
}

TEST_F(EvidencePackTest, CsvHasBomAndNeutralisedFormulas) {
  const std::string csv =
      CheckCsv(fixture_->report, "antivirus_definitions_fresh");
  EXPECT_EQ(csv.rfind("\xEF\xBB\xBF", 0), 0u);
  EXPECT_NE(csv.find("\r\n"), std::string::npos);
  // Host 1 is named "=HYPERLINK(…)PC-001": written as text.
  EXPECT_NE(csv.find("'=HYPERLINK"), std::string::npos);
  EXPECT_EQ(csv.find(",=HYPERLINK"), std::string::npos);
  EXPECT_EQ(csv.find('\x1b'), std::string::npos);
  EXPECT_NE(csv.find("definitions_age_hours"), std::string::npos);
}

TEST_F(EvidencePackTest, FactsJsonIsValidAndKeepsPayloads) {
  store::HostFacts h;
  h.host_id = 7;
  h.hostname = "PC\"<7>\xff";
  h.families.push_back({"antivirus", "STATUS_OK", 1795000000,
                        R"({"products":[{"name":"ESET"}]})", "ab"});
  h.families.push_back({"wifi", "STATUS_ERROR", std::nullopt, "not json", ""});
  const auto j = nlohmann::json::parse(FactsJson(h));
  EXPECT_EQ(j["host_id"], 7);
  EXPECT_EQ(j["hostname"], "PC\"<7>\xef\xbf\xbd");
  EXPECT_EQ(j["families"][0]["facts"]["products"][0]["name"], "ESET");
  EXPECT_EQ(j["families"][0]["collected_at"], "2026-11-18T11:06:40Z");
  EXPECT_EQ(j["families"][1]["facts"], "not json");
  EXPECT_TRUE(j["families"][1]["collected_at"].is_null());
  EXPECT_EQ(FactsFileName(7), "facts/host-0000000007.json");
}

TEST_F(EvidencePackTest, TamperingIsNamed) {
  const auto entries = Entries(Pack(key_));
  const std::string csv = "checks/antivirus_definitions_fresh.csv";
  {  // One byte of one CSV.
    auto e = entries;
    for (auto& x : e) {
      if (x.name == csv) x.data[x.data.size() / 2] ^= 1;
    }
    auto v = VerifyEvidencePack(Zip(e), std::nullopt);
    ASSERT_TRUE(v.ok());
    EXPECT_FALSE(v->ok);
    EXPECT_TRUE(Has(*v, "changed: " + csv));
    EXPECT_EQ(v->problems.size(), 1u);
  }
  {  // A file removed.
    auto e = entries;
    e.erase(std::remove_if(e.begin(), e.end(),
                           [](const Entry& x) {
                             return x.name == "facts/host-0000000002.json";
                           }),
            e.end());
    auto v = VerifyEvidencePack(Zip(e), std::nullopt);
    ASSERT_TRUE(v.ok());
    EXPECT_TRUE(Has(*v, "missing: facts/host-0000000002.json"));
  }
  {  // A file added.
    auto e = entries;
    e.push_back({"extra/evil.csv", "=cmd|' /C calc'!A0\r\n"});
    auto v = VerifyEvidencePack(Zip(e), std::nullopt);
    ASSERT_TRUE(v.ok());
    EXPECT_TRUE(Has(*v, "extra: extra/evil.csv"));
  }
  {  // The manifest changed to match a changed file: the signature fails.
    auto e = entries;
    for (auto& x : e) {
      if (x.name == "manifest.sha256") x.data[0] = x.data[0] == 'a' ? 'b' : 'a';
    }
    auto v = VerifyEvidencePack(Zip(e), std::nullopt);
    ASSERT_TRUE(v.ok());
    EXPECT_TRUE(Has(*v, "signature: manifest.sig is not a valid signature"));
  }
  {  // Signed by another key but presented with ours as trusted.
    auto other = pki::CreateSigningKey((dir_ / "other.key").string());
    ASSERT_TRUE(other.ok());
    const std::string forged = Pack(*other);
    auto self = VerifyEvidencePack(forged, std::nullopt);
    ASSERT_TRUE(self.ok());
    EXPECT_TRUE(self->ok);  // consistent in itself …
    EXPECT_NE(self->fingerprint, pki::PublicKeyFingerprint(key_.public_key));
    auto v = VerifyEvidencePack(forged, key_.public_key);
    ASSERT_TRUE(v.ok());
    EXPECT_FALSE(v->ok);  // … but not by the trusted key.
    EXPECT_TRUE(Has(*v, "not the trusted key"));
    EXPECT_TRUE(Has(*v, "signature:"));
  }
  {  // Signature bytes replaced.
    auto e = entries;
    for (auto& x : e) {
      if (x.name == "manifest.sig") x.data = std::string(128, '0') + "\n";
    }
    auto v = VerifyEvidencePack(Zip(e), std::nullopt);
    ASSERT_TRUE(v.ok());
    EXPECT_TRUE(Has(*v, "signature:"));
  }
}

// Replaces every occurrence of `from` with `to` (same length) in raw bytes.
void Patch(std::string* zip, const std::string& from, const std::string& to) {
  ASSERT_EQ(from.size(), to.size());
  size_t n = 0;
  for (size_t at = zip->find(from); at != std::string::npos;
       at = zip->find(from, at + 1)) {
    zip->replace(at, from.size(), to);
    ++n;
  }
  ASSERT_GT(n, 0u);
}

TEST_F(EvidencePackTest, PathTraversalIsRefused) {
  std::string zip = Zip({{"aa/evil.txt", "x"}, {"ok.txt", "y"}});
  Patch(&zip, "aa/evil.txt", "../evil.txt");
  auto v = VerifyEvidencePack(zip, std::nullopt);
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.status().message().find("path traversal"), std::string::npos)
      << v.status().ToString();
  std::string abs = Zip({{"xetc/passwd", "x"}});
  Patch(&abs, "xetc/passwd", "/etc/passwd");
  EXPECT_NE(VerifyEvidencePack(abs, std::nullopt)
                .status()
                .message()
                .find("absolute path"),
            std::string::npos);
  EXPECT_FALSE(ValidateEntryName("a\\..\\b").ok());
  EXPECT_FALSE(ValidateEntryName("C:x").ok());
  EXPECT_FALSE(ValidateEntryName("a//b").ok());
  EXPECT_TRUE(ValidateEntryName("checks/x.csv").ok());
}

TEST_F(EvidencePackTest, ZipBombsAreRefused) {
  // 64 MiB of zeros deflate to ~64 KiB: ratio ~1000:1.
  const std::string zeros(64u << 20, '\0');
  const std::string bomb = Zip({{"big.bin", zeros}});
  auto v = VerifyEvidencePack(bomb, std::nullopt);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(v.status().message().find("zip bomb"), std::string::npos);
  // The same entry lying about its size (declares 16 bytes): inflation stops
  // at the declared size instead of trusting it.
  std::string liar = Zip({{"big.bin", std::string(2u << 20, '\0')}});
  const uint32_t real = 2u << 20;
  std::string le(reinterpret_cast<const char*>(&real), 4);
  std::string small("\x10\0\0\0", 4);
  Patch(&liar, le, small);
  auto l = VerifyEvidencePack(liar, std::nullopt);
  ASSERT_FALSE(l.ok());
  EXPECT_NE(l.status().message().find("beyond its declared size"),
            std::string::npos)
      << l.status().ToString();
  // A total over the limit.
  ZipLimits tight;
  tight.max_total_bytes = 1000;
  auto t = VerifyEvidencePack(Pack(key_), std::nullopt, tight);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kResourceExhausted);
  // Not a ZIP at all.
  EXPECT_FALSE(VerifyEvidencePack("hello", std::nullopt).ok());
}

TEST(SigningKeyTest, FileModeAndRoundTrip) {
  const fs::path p =
      fs::temp_directory_path() / ("mamori-sk-" + std::to_string(::getpid()));
  fs::remove(p);
  auto k = pki::CreateSigningKey(p.string());
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(fs::status(p).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_EQ(pki::CreateSigningKey(p.string()).status().code(),
            StatusCode::kAlreadyExists);
  auto loaded = pki::LoadSigningKey(p.string());
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->public_key, k->public_key);
  const std::string sig = pki::Sign(*loaded, "manifest");
  EXPECT_TRUE(pki::VerifySignature(k->public_key, "manifest", sig));
  EXPECT_FALSE(pki::VerifySignature(k->public_key, "manifesT", sig));
  fs::permissions(p, fs::perms::group_read, fs::perm_options::add);
  EXPECT_EQ(pki::LoadSigningKey(p.string()).status().code(),
            StatusCode::kPermissionDenied);
  auto pub = pki::ParsePublicKeyText(pki::PublicKeyText(k->public_key));
  ASSERT_TRUE(pub.ok());
  EXPECT_EQ(*pub, k->public_key);
  EXPECT_FALSE(pki::ParsePublicKeyText("mamori-ed25519-public-v1 zz").ok());
  fs::remove(p);
}

}  // namespace
}  // namespace mamori::report

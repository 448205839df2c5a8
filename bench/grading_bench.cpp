// Grading benchmarks on SQLite (figures in docs/performance.md "Grading"):
//   BmRunAllChecks/10000  every built-in check over one organisation of
//                          10,000 hosts (query + result rows), target ≤ 1 s;
//   BmRegrade/300         re-grading one organisation of 300 hosts after a
//                          report: run checks, store results (history only
//                          for changes), build the report, target ≤ 50 ms.
//   BmIngest/0,1,2         storing 1,000 reports (first / unchanged /
//                          one family changed), for the cost the fact
//                          tables' triggers add to ingest.
// Hosts are enrolled and reported through SqliteStore, with ten fact
// families each, alternating compliant and failing fixtures.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>

#include "collector/policy/grading_service.h"
#include "collector/store/sqlite_store.h"

namespace mamori {
namespace {

namespace fs = std::filesystem;
const TimePoint kNow = FromUnixSeconds(1795132800);

struct Fam {
  const char* name;
  const char* json;
};

const Fam kGood[] = {
    {"system",
     R"({"os_family":"OS_FAMILY_WINDOWS","os_name":"Windows 11 Enterprise","os_build":26100,"os_edition":"Enterprise","role":"ENDPOINT_ROLE_LAPTOP"})"},
    {"updates", R"({"security_pending_count":0,"automatic_updates":true})"},
    {"antivirus",
     R"({"products":[{"name":"Microsoft Defender","enabled":true,"realtime_protection":true,"definitions_age_hours":5}]})"},
    {"password_policy", R"({"min_length":12,"lockout_threshold":5})"},
    {"screen_lock",
     R"({"enabled":true,"idle_timeout_seconds":600,"password_required":true})"},
    {"wifi",
     R"({"adapters":[{"name":"Wi-Fi"}],"current":{"ssid":"office","security":"WIFI_SECURITY_WPA2","auto_connect":true},"profiles":[{"ssid":"home","security":"WIFI_SECURITY_WPA3","auto_connect":true}]})"},
    {"usb_storage", R"({"effective_policy":"USB_STORAGE_POLICY_BLOCKED"})"},
    {"disk_encryption",
     R"({"volumes":[{"device":"C:","state":"ENCRYPTION_STATE_ENCRYPTED","system_volume":true}]})"},
    {"firewall", R"({"active":true,"product":"windows"})"},
    {"remote_access", R"({"rdp_enabled":false})"},
};
const Fam kBad[] = {
    {"system",
     R"({"os_family":"OS_FAMILY_WINDOWS","os_name":"Windows 10 Pro","os_build":19045,"os_edition":"Professional","role":"ENDPOINT_ROLE_DESKTOP"})"},
    {"updates",
     R"({"pending":[{"name":"KB1","security":true,"published_at":"2026-10-01T00:00:00Z"}],"security_pending_count":1,"automatic_updates":false})"},
    {"antivirus",
     R"({"products":[{"name":"ESET","enabled":true,"realtime_protection":false,"definitions_age_hours":212}]})"},
    {"password_policy", R"({"min_length":4,"lockout_threshold":0})"},
    {"screen_lock",
     R"({"enabled":true,"idle_timeout_seconds":3600,"password_required":true})"},
    {"wifi",
     R"({"adapters":[{"name":"Wi-Fi"}],"profiles":[{"ssid":"cafe","security":"WIFI_SECURITY_WEP","auto_connect":true}]})"},
    {"usb_storage", R"({"effective_policy":"USB_STORAGE_POLICY_ALLOWED"})"},
    {"disk_encryption",
     R"({"volumes":[{"device":"C:","state":"ENCRYPTION_STATE_NOT_ENCRYPTED","system_volume":true}]})"},
    {"firewall", R"({"active":false})"},
    {"remote_access", R"({"rdp_enabled":true,"rdp_nla_required":false})"},
};

// One database per size, built once per process.
struct Fleet {
  std::string path;
  std::string org;
};

Fleet BuildFleet(int hosts) {
  static FakeClock clock(kNow);
  Fleet f;
  const fs::path dir = fs::temp_directory_path() /
                       ("mamori-grading-bench-" + std::to_string(::getpid()) +
                        "-" + std::to_string(hosts));
  fs::remove_all(dir);
  fs::create_directories(dir);
  f.path = (dir / "collector.db").string();
  f.org = "org" + std::to_string(hosts);
  auto store = store::SqliteStore::Open(f.path, clock);
  if (!store.ok()) std::abort();
  (void)(*store)->CreateOrg({f.org, "", std::nullopt, ""});
  auto token = (*store)->CreateToken({f.org, std::nullopt, std::nullopt});
  std::vector<store::ReportInput> batch;
  for (int i = 0; i < hosts; ++i) {
    store::EnrollInput in;
    in.token = token->token;
    in.identity.hostname = "PC-" + std::to_string(i);
    in.identity.machine_id = "m" + std::to_string(i);
    in.node_key_hash = "k" + std::to_string(i);
    auto e = (*store)->Enroll(in);
    if (!e.ok()) std::abort();
    store::ReportInput r;
    r.host_id = e->host_id;
    r.node_key_hash = in.node_key_hash;
    r.report_id = "r" + std::to_string(i);
    r.collected_at = ToUnixSeconds(kNow) - 3600;
    for (const Fam& fam : (i % 4 == 0 ? kBad : kGood)) {
      r.families.push_back(
          {fam.name, "STATUS_OK", r.collected_at, fam.json,
           std::string("sha-") + fam.name + (i % 4 == 0 ? "b" : "g")});
    }
    batch.push_back(std::move(r));
    if (batch.size() == 200 || i + 1 == hosts) {
      (*store)->StoreReports(batch);
      batch.clear();
    }
  }
  return f;
}

const Fleet& FleetOf(int hosts) {
  static std::map<int, Fleet> fleets;
  auto it = fleets.find(hosts);
  if (it == fleets.end()) it = fleets.emplace(hosts, BuildFleet(hosts)).first;
  return it->second;
}

void BmRunAllChecks(benchmark::State& state) {
  const Fleet& fleet = FleetOf(static_cast<int>(state.range(0)));
  static FakeClock clock(kNow);
  auto svc = policy::GradingService::Open({fleet.path, ""}, clock);
  if (!svc.ok()) {
    state.SkipWithError(svc.status().ToString().c_str());
    return;
  }
  auto org = (*svc)->store().OrgId(fleet.org);
  auto hosts = (*svc)->store().Hosts(*org);
  policy::CheckRunner runner((*svc)->store().database().raw());
  size_t results = 0;
  for (auto _ : state) {
    auto r = runner.Run((*svc)->policies(), *org, *hosts, {}, kNow);
    results = r->size();
    benchmark::DoNotOptimize(results);
  }
  state.counters["results"] = static_cast<double>(results);
  state.counters["hosts"] = static_cast<double>(hosts->size());
}
BENCHMARK(BmRunAllChecks)
    ->Arg(10000)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(5);

void BmRegrade(benchmark::State& state) {
  const Fleet& fleet = FleetOf(static_cast<int>(state.range(0)));
  static FakeClock clock(kNow);
  auto svc = policy::GradingService::Open({fleet.path, ""}, clock);
  if (!svc.ok()) {
    state.SkipWithError(svc.status().ToString().c_str());
    return;
  }
  (void)(*svc)->Evaluate(fleet.org);  // first evaluation writes every result
  for (auto _ : state) {
    clock.Advance(std::chrono::seconds(60));
    auto r = (*svc)->Evaluate(fleet.org);
    if (!r.ok()) state.SkipWithError(r.status().ToString().c_str());
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BmRegrade)->Arg(300)->Unit(benchmark::kMillisecond)->Iterations(20);

// What the fact tables' triggers (grading migration v2) add to storing
// reports: 1,000 reports per iteration through SqliteStore::StoreReports in
// batches of 200, ten families each.
//   BmIngest/0  first reports (every family inserted: triggers extract all);
//   BmIngest/1  steady reports, every family unchanged (collected_at only);
//   BmIngest/2  steady reports with the updates family changed.
// Compare with a build at grading migration v1 (docs/performance.md).
void BmIngest(benchmark::State& state) {
  const int mode = static_cast<int>(state.range(0));
  constexpr int kHosts = 1000;
  static FakeClock clock(kNow);
  const fs::path dir = fs::temp_directory_path() /
                       ("mamori-ingest-bench-" + std::to_string(::getpid()) +
                        "-" + std::to_string(mode));
  fs::remove_all(dir);
  fs::create_directories(dir);
  auto store = store::SqliteStore::Open((dir / "collector.db").string(), clock);
  if (!store.ok()) {
    state.SkipWithError(store.status().ToString().c_str());
    return;
  }
  (void)(*store)->CreateOrg({"ingest", "", std::nullopt, ""});
  auto token = (*store)->CreateToken({"ingest", std::nullopt, std::nullopt});
  int enrolled = 0;
  int report_no = 0;
  struct Host {
    int64_t id;
    std::string key;
  };
  // Enrols kHosts new hosts.
  auto enroll = [&] {
    std::vector<Host> hosts;
    for (int i = 0; i < kHosts; ++i, ++enrolled) {
      store::EnrollInput in;
      in.token = token->token;
      in.identity.hostname = "PC-" + std::to_string(enrolled);
      in.identity.machine_id = "m" + std::to_string(enrolled);
      in.node_key_hash = "k" + std::to_string(enrolled);
      auto e = (*store)->Enroll(in);
      if (!e.ok()) std::abort();
      hosts.push_back({e->host_id, in.node_key_hash});
    }
    return hosts;
  };
  // Stores one report per host; an odd `variant` swaps the updates family
  // between the compliant and the failing fixture.
  auto report = [&](const std::vector<Host>& hosts, int variant) {
    std::vector<store::ReportInput> batch;
    for (size_t i = 0; i < hosts.size(); ++i) {
      store::ReportInput r;
      r.host_id = hosts[i].id;
      r.node_key_hash = hosts[i].key;
      r.report_id = "r" + std::to_string(++report_no);
      r.collected_at = ToUnixSeconds(kNow) - 3600 + report_no;
      bool bad = i % 4 == 0;
      for (int f = 0; f < 10; ++f) {
        const bool swap = f == 1 && variant % 2 == 1;
        const Fam& fam = (bad != swap ? kBad : kGood)[f];
        r.families.push_back(
            {fam.name, "STATUS_OK", r.collected_at, fam.json,
             std::string("sha-") + fam.name + (bad != swap ? "b" : "g")});
      }
      batch.push_back(std::move(r));
      if (batch.size() == 200 || i + 1 == hosts.size()) {
        for (const auto& res : (*store)->StoreReports(batch)) {
          if (!res.ok()) std::abort();
        }
        batch.clear();
      }
    }
  };
  std::vector<Host> hosts;
  if (mode != 0) {
    hosts = enroll();
    report(hosts, 0);
  }
  int variant = 0;
  for (auto _ : state) {
    if (mode == 0) {
      state.PauseTiming();
      hosts = enroll();
      state.ResumeTiming();
    }
    report(hosts, mode == 2 ? ++variant : 0);
  }
  state.counters["reports"] = kHosts;
  store->reset();
  fs::remove_all(dir);
}
BENCHMARK(BmIngest)
    ->Arg(0)
    ->Arg(1)
    ->Arg(2)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(5);

}  // namespace
}  // namespace mamori

BENCHMARK_MAIN();

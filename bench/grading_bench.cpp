// Grading benchmarks on SQLite (figures in docs/performance.md "Grading"):
//   BmRunAllChecks/10000  every built-in check over one organisation of
//                          10,000 hosts (query + result rows), target ≤ 1 s;
//   BmRegrade/300         re-grading one organisation of 300 hosts after a
//                          report: run checks, store results (history only
//                          for changes), build the report, target ≤ 50 ms.
//   BmIngest/0,1,2         storing 1,000 reports (first / unchanged /
//                          one family changed), for the cost the fact
//                          tables' triggers add to ingest.
//   BmFleetRegrade/H       one re-grade of an organisation of H hosts the
//                          way `serve` does it (EvaluateOrgId, results
//                          stored once, then a steady round), with the
//                          process CPU and the peak RSS of the re-grade
//                          as counters: cpu_s, rss_before_mib,
//                          peak_rss_mib; first_cpu_s is the first
//                          evaluation, which inserts every result.
// Hosts are enrolled and reported through SqliteStore, with ten fact
// families each, alternating compliant and failing fixtures.
//
// Options (before Google Benchmark's own):
//   --packages N   also store a package list per host, like
//                  bench/collector_bench.sh: every tenth host has N
//                  packages, the others N/10; 90 % of the names and versions
//                  are shared across the fleet; every host also has a
//                  browser (firefox-esr, chromium, "Mozilla Firefox (x64
//                  ja)" or "Google Chrome", some below the minimum) and
//                  every third one a "Microsoft Office …" package (some past
//                  their end of support), so the browser and Office checks
//                  have work. Default 0 (no packages).
//   --hosts H      fleet size of BmFleetRegrade (default 10000).
// Example: grading_bench --packages 1500 --benchmark_filter=BmFleetRegrade
#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>

#include "collector/policy/grading_service.h"
#include "collector/store/open_store.h"

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

int g_packages = 0;         // --packages
int g_fleet_hosts = 10000;  // --hosts

// The package list of host `index` (see --packages above).
std::vector<store::PackageRow> PackagesOf(int index) {
  std::vector<store::PackageRow> out;
  if (g_packages <= 0) return out;
  const int count = index % 10 == 0 ? g_packages : g_packages / 10;
  for (int i = 0; i < count; ++i) {
    const bool variant = i % 10 == 0;
    out.push_back({"lib-package-" + std::to_string(i),
                   variant ? "2." + std::to_string(index % 10) + ".0-1"
                           : "1." + std::to_string(i % 13) + ".4-2+deb12u1",
                   "amd64", "PACKAGE_SOURCE_DPKG",
                   "Debian Maintainers <debian@example.org>", "",
                   std::nullopt});
  }
  struct Named {
    const char* name;
    const char* version;
    const char* source;
  };
  static const Named kBrowsers[] = {
      {"firefox-esr", "128.5.0esr-1~deb12u1", "PACKAGE_SOURCE_DPKG"},
      {"chromium", "131.0.6778.85-1~deb12u1", "PACKAGE_SOURCE_DPKG"},
      {"Mozilla Firefox (x64 ja)", "140.0.2", "PACKAGE_SOURCE_WINDOWS"},
      {"Google Chrome", "141.0.7390.55", "PACKAGE_SOURCE_WINDOWS"},
      {"firefox-esr", "102.15.0esr-1~deb12u1", "PACKAGE_SOURCE_DPKG"},
  };
  static const Named kOffice[] = {
      {"Microsoft Office Professional Plus 2016", "16.0.4266.1001",
       "PACKAGE_SOURCE_WINDOWS"},
      {"Microsoft Office LTSC Professional Plus 2021", "16.0.14332.20447",
       "PACKAGE_SOURCE_WINDOWS"},
      {"Microsoft Office Home and Business 2013", "15.0.4569.1506",
       "PACKAGE_SOURCE_WINDOWS"},
  };
  const Named& b = kBrowsers[index % std::size(kBrowsers)];
  out.push_back({b.name, b.version, "amd64", b.source, "", "", std::nullopt});
  if (index % 3 == 0) {
    const Named& o = kOffice[(index / 3) % std::size(kOffice)];
    out.push_back({o.name, o.version, "x64", o.source, "Microsoft Corporation",
                   "", std::nullopt});
  }
  return out;
}

// One database per size, built once per process.
struct Fleet {
  std::string path;
  std::string org;
  struct Host {
    int64_t id;
    std::string key;
    bool with_packages;
  };
  std::vector<Host> hosts;
};

// Removes the fleets' databases when the process ends (hundreds of MB each
// run otherwise stay in the temporary directory).
struct FleetDirs {
  std::vector<fs::path> dirs;
  ~FleetDirs() {
    std::error_code ignored;
    for (const fs::path& d : dirs) fs::remove_all(d, ignored);
  }
};

Fleet BuildFleet(int hosts) {
  static FakeClock clock(kNow);
  static FleetDirs cleanup;
  Fleet f;
  const fs::path dir = fs::temp_directory_path() /
                       ("mamori-grading-bench-" + std::to_string(::getpid()) +
                        "-" + std::to_string(hosts));
  fs::remove_all(dir);
  fs::create_directories(dir);
  cleanup.dirs.push_back(dir);
  f.path = (dir / "collector.db").string();
  f.org = "org" + std::to_string(hosts);
  auto store = store::OpenStore(store::SqliteUrl(f.path), clock);
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
    r.packages = PackagesOf(i);
    f.hosts.push_back({e->host_id, in.node_key_hash, !r.packages.empty()});
    if (!r.packages.empty()) {
      r.families.push_back({"packages", "STATUS_OK", r.collected_at,
                            R"({"status":{"state":"STATUS_OK"}})",
                            "sha-packages-" + std::to_string(i)});
    }
    batch.push_back(std::move(r));
    if (batch.size() == 200 || i + 1 == hosts) {
      for (const auto& res : (*store)->StoreReports(batch)) {
        if (!res.ok()) {
          std::fprintf(stderr, "storing a report: %s\n",
                       res.status().ToString().c_str());
          std::abort();
        }
      }
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

// The grading service over `fleet`, or nullptr once `state` is skipped
// with the reason.
std::unique_ptr<policy::GradingService> OpenOrSkip(benchmark::State& state,
                                                   const Fleet& fleet,
                                                   FakeClock& clock) {
  auto svc = policy::GradingService::Open({fleet.path, ""}, clock);
  if (!svc.ok()) {
    state.SkipWithError(svc.status().ToString().c_str());
    return nullptr;
  }
  return std::move(svc).value();
}

void BmRunAllChecks(benchmark::State& state) {
  const Fleet& fleet = FleetOf(static_cast<int>(state.range(0)));
  static FakeClock clock(kNow);
  std::unique_ptr<policy::GradingService> svc = OpenOrSkip(state, fleet, clock);
  if (svc == nullptr) return;
  auto org = svc->store().OrgId(fleet.org);
  auto hosts = svc->store().Hosts(*org);
  policy::CheckRunner runner(svc->store().check_queries());
  size_t results = 0;
  for (auto _ : state) {
    auto r = runner.Run(svc->policies(), *org, *hosts, {}, kNow);
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
  std::unique_ptr<policy::GradingService> svc = OpenOrSkip(state, fleet, clock);
  if (svc == nullptr) return;
  (void)svc->Evaluate(fleet.org);  // first evaluation writes every result
  for (auto _ : state) {
    clock.Advance(std::chrono::seconds(60));
    auto r = svc->Evaluate(fleet.org);
    if (!r.ok()) state.SkipWithError(r.status().ToString().c_str());
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BmRegrade)->Arg(300)->Unit(benchmark::kMillisecond)->Iterations(20);

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// A "Vm…:" line of /proc/self/status in MiB; -1 when unreadable.
double ProcStatusMib(const char* key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key, 0) == 0) {
      return std::strtod(line.c_str() + std::strlen(key), nullptr) / 1024.0;
    }
  }
  return -1;
}

// Resets the peak RSS (VmHWM) to the current RSS (Linux ≥ 4.0).
void ResetPeakRss() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
}

// A steady round like bench/collector_bench.sh's: every host reports again,
// nothing changed, each family (packages by its digest) collected
// `round` minutes later; so each check result's collected_at moves.
void SteadyRound(const Fleet& fleet, int round) {
  static FakeClock clock(kNow);
  auto store = store::OpenStore(store::SqliteUrl(fleet.path), clock);
  if (!store.ok()) std::abort();
  std::vector<store::ReportInput> batch;
  for (size_t i = 0; i < fleet.hosts.size(); ++i) {
    store::ReportInput r;
    r.host_id = fleet.hosts[i].id;
    r.node_key_hash = fleet.hosts[i].key;
    r.report_id = "s" + std::to_string(round) + "-" + std::to_string(i);
    r.collected_at = ToUnixSeconds(kNow) - 3600 + 60 * round;
    for (const Fam& fam : (i % 4 == 0 ? kBad : kGood)) {
      r.unchanged.push_back({fam.name, std::string("sha-") + fam.name +
                                           (i % 4 == 0 ? "b" : "g")});
    }
    if (fleet.hosts[i].with_packages) {
      r.unchanged.push_back({"packages", "sha-packages-" + std::to_string(i)});
    }
    batch.push_back(std::move(r));
    if (batch.size() == 200 || i + 1 == fleet.hosts.size()) {
      for (const auto& res : (*store)->StoreReports(batch)) {
        if (!res.ok()) {
          std::fprintf(stderr, "storing a steady report: %s\n",
                       res.status().ToString().c_str());
          std::abort();
        }
      }
      batch.clear();
    }
  }
}

// The first evaluation, which writes every result (a function of its own so
// that profiles can tell it from the re-grade measured).
[[gnu::noinline]] Status FirstEvaluation(policy::GradingService* svc,
                                         int64_t org_id) {
  return svc->EvaluateOrgId(org_id);
}

// One re-grade of the whole organisation as `serve` runs it after a steady
// round (a first evaluation has stored every result; then every host
// reported again with nothing changed but the collection time, as in
// bench/collector_bench.sh). Counters: CPU seconds and peak RSS of the
// re-grade (the steady round is not counted).
void BmFleetRegrade(benchmark::State& state) {
  const Fleet& fleet = FleetOf(static_cast<int>(state.range(0)));
  static FakeClock clock(kNow);
  std::unique_ptr<policy::GradingService> svc = OpenOrSkip(state, fleet, clock);
  if (svc == nullptr) return;
  auto org = svc->store().OrgId(fleet.org);
  if (!org.ok()) {
    state.SkipWithError(org.status().ToString().c_str());
    return;
  }
  const double first_cpu0 = CpuSeconds();
  if (Status s = FirstEvaluation(svc.get(), *org); !s.ok()) {
    state.SkipWithError(s.ToString().c_str());
    return;
  }
  state.counters["first_cpu_s"] = CpuSeconds() - first_cpu0;
  int round = 0;
  double cpu = 0;
  double rss_before = 0;
  double peak = 0;
  for (auto _ : state) {
    state.PauseTiming();
    SteadyRound(fleet, ++round);
    clock.Advance(std::chrono::seconds(60));
    rss_before = ProcStatusMib("VmRSS:");
    ResetPeakRss();
    const double cpu0 = CpuSeconds();
    state.ResumeTiming();
    if (Status s = svc->EvaluateOrgId(*org); !s.ok()) {
      state.SkipWithError(s.ToString().c_str());
      return;
    }
    cpu += CpuSeconds() - cpu0;
    peak = std::max(peak, ProcStatusMib("VmHWM:"));
  }
  state.counters["cpu_s"] = cpu / static_cast<double>(state.iterations());
  state.counters["rss_before_mib"] = rss_before;
  state.counters["peak_rss_mib"] = peak;
  state.counters["packages"] = g_packages;
}

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
  auto store = store::OpenStore(
      store::SqliteUrl((dir / "collector.db").string()), clock);
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

int main(int argc, char** argv) {
  // Our options first; the rest goes to Google Benchmark.
  std::vector<char*> rest{argv[0]};
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    int* target = arg == "--packages" ? &mamori::g_packages
                  : arg == "--hosts"  ? &mamori::g_fleet_hosts
                                      : nullptr;
    if (target == nullptr) {
      rest.push_back(argv[i]);
      continue;
    }
    char* end = nullptr;
    const long v = i + 1 < argc ? std::strtol(argv[i + 1], &end, 10) : -1;
    if (end == nullptr || *end != '\0' || v < 0 || v > 1'000'000) {
      std::fprintf(stderr, "%s needs a number from 0 to 1000000\n",
                   arg.c_str());
      return 2;
    }
    *target = static_cast<int>(v);
    ++i;
  }
  benchmark::RegisterBenchmark("BmFleetRegrade", mamori::BmFleetRegrade)
      ->Arg(mamori::g_fleet_hosts)
      ->Unit(benchmark::kMillisecond)
      ->Iterations(1);
  int n = static_cast<int>(rest.size());
  benchmark::Initialize(&n, rest.data());
  if (benchmark::ReportUnrecognizedArguments(n, rest.data())) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

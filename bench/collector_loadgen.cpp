// mamori-loadgen: simulates N agents reporting to a mamori collector over
// gRPC+TLS, and measures the raw-SQLite ceiling for the same rows.
//
//   mamori-loadgen first   --server H:P --ca FILE --token T --agents N
//                          [--packages 1500] [--connections 32]
//                          [--in-flight 4] --out AGENTS
//   mamori-loadgen steady  --server H:P --ca FILE --agents-file AGENTS
//                          [--rounds 3] [--first-round 1] [--connections 32]
//                          [--in-flight 4]
//   mamori-loadgen ceiling --agents N [--packages 1500] [--rounds 3]
//   mamori-loadgen port    --agents N [--packages 1500] [--rounds 3]
//                          [--fill N] [--fill-packages 150] [--db FILE]
//                          [--store URL] [--regrades 1]
//                          [--check-time-limit-ms 4000]
//   mamori-loadgen pg-ceiling --pg URL --agents N [--packages 1500]
//                          [--rounds 3]
//
// `first` enrolls N agents and sends each its first report (all fifteen
// families, `packages` packages, 90 % shared across the fleet); `steady`
// sends every agent `rounds` steady reports (the package list as its digest,
// the antivirus definitions age changed, so one history row each);
// `ceiling` inserts the same rows into a fresh SQLite file with statements
// prepared once and one transaction per phase (the raw-SQLite ceiling, not
// the store). It is the one place outside collector/store/sqlite/ that uses
// the SQLite wrapper, and must be: a ceiling is what SQLite itself does with
// the rows the store writes (schema from ApplySchema, triggers included),
// without the store's checks, ingest plan or statements; through the store
// factory it would be `port` again and bound nothing. It calls no sqlite3_
// function itself. `port` stores the same reports in process through the store
// port (OpenStore, Store::Enroll, the service's ConvertReport,
// Store::StoreReports in batches of 64 as the collector's writer takes them),
// so the store's own cost is measured without gRPC, TLS or the queue, then
// re-grades the organisation as `serve` does (GradingService::EvaluateOrgId,
// --regrades times) and prints each pass's time and its slowest checks;
// --store runs it on any backend (an empty PostgreSQL database). `pg-ceiling`
// writes the same rows as `first` and `steady` into a PostgreSQL database whose
// schema `init --store URL` made, from one process with libpq: one
// transaction per phase, every row of a table in one COPY, the per-round
// changes as one statement each (the raw PostgreSQL ceiling, issue #17).
//
// Reports are built and serialized before timing and sent with gRPC's
// callback API over --connections TLS connections, --in-flight calls at a
// time on each, so that the load generator, which shares the machine with
// the collector, takes as little CPU from it as it can (real agents run
// elsewhere); its own CPU per report is printed as loadgen_cpu_ms_per. Every
// report must come back OUTCOME_STORED; busy answers are retried after the
// collector's hint; any other answer or error ends the run with exit 1.
// With --server-pid the collector's CPU time and RSS are reported too.
//
// --retry-errors makes `first` and `steady` behave as agents do when a
// collector or the database goes away (the fault tests, issue #17): any
// failed call (UNAVAILABLE, DEADLINE_EXCEEDED, INTERNAL, …; not
// INVALID_ARGUMENT or UNAUTHENTICATED) is sent again after a pause, up to
// --retry-seconds per report. A retried report may have been stored by the
// attempt whose answer was lost, so OUTCOME_DUPLICATE after a failed attempt
// acknowledges it; a duplicate on the first attempt is still a failure.
// --acked FILE appends "report_id" for every acknowledged report, for the
// test to compare with what the database holds.
// Output is one line per phase: "phase=first reports=N seconds=S
// per_second=R server_cpu_ms_per=… loadgen_cpu_ms_per=… busy_retries=…".
#include <google/protobuf/util/json_util.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <libpq-fe.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <boost/program_options.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "collector/pki/crypto.h"
#include "collector/policy/grading_service.h"
#include "collector/service/report_convert.h"
#include "collector/store/open_store.h"
#include "collector/store/sqlite/fact_view_sync.h"
#include "collector/store/sqlite/sqlite.h"
#include "common/text.h"
#include "mamori/v1/collector.grpc.pb.h"
#include "proto/wire/part_digest.h"

namespace {

namespace po = boost::program_options;
using mamori::v1::ReportResponse;
using Clock = std::chrono::steady_clock;

struct Agent {
  std::string host_id;
  std::string node_key;
};

constexpr int64_t kCollectedAt = 1'763'900'000;

// The package list of agent `index`: 90 % identical across agents, the rest
// in one of ten variants.
void AddPackages(mamori::v1::PackageFacts* facts, int count, int index) {
  facts->mutable_status()->set_state(mamori::v1::STATUS_OK);
  for (int i = 0; i < count; ++i) {
    mamori::v1::Package* p = facts->add_packages();
    p->set_name("lib-package-" + std::to_string(i));
    const bool variant = i % 10 == 0;
    p->set_version(variant ? "2." + std::to_string(index % 10) + ".0-1"
                           : "1." + std::to_string(i % 13) + ".4-2+deb12u1");
    p->set_architecture("amd64");
    p->set_source(mamori::v1::PACKAGE_SOURCE_DPKG);
    p->set_publisher("Debian Maintainers <debian@example.org>");
  }
}

// All fifteen families with plausible small content.
mamori::v1::ReportRequest MakeReport(const Agent& agent, int index,
                                     const std::string& report_id, int packages,
                                     int round) {
  mamori::v1::ReportRequest r;
  r.set_host_id(agent.host_id);
  r.set_node_key(agent.node_key);
  r.set_report_id(report_id);
  r.mutable_collected_at()->set_seconds(kCollectedAt + round * 3600);
  mamori::v1::EndpointFacts* f = r.mutable_facts();
  f->set_agent_version("0.1.0");
  auto ok = [](auto* family) {
    family->mutable_status()->set_state(mamori::v1::STATUS_OK);
    return family;
  };
  auto* system = ok(f->mutable_system());
  system->set_hostname("pc-" + std::to_string(index));
  system->set_os_name("Debian GNU/Linux 12 (bookworm)");
  system->set_os_version("12");
  system->set_kernel_version("6.1.0-26-amd64");
  system->set_machine_id("machine-" + std::to_string(index));
  auto* hw = ok(f->mutable_hardware());
  hw->set_vendor("LENOVO");
  hw->set_model("ThinkPad X1");
  hw->set_memory_bytes(16ull << 30);
  auto* net = ok(f->mutable_network());
  auto* nic = net->add_interfaces();
  nic->set_name("eth0");
  nic->add_ipv4("192.0.2." + std::to_string(index % 250) + "/24");
  auto* updates = ok(f->mutable_updates());
  updates->set_pending_count(3);
  updates->set_automatic_updates(true);
  auto* av = ok(f->mutable_antivirus());
  auto* product = av->add_products();
  product->set_name("ClamAV");
  product->set_definitions_age_hours(2 + round);  // changes every round
  ok(f->mutable_usb_storage())
      ->set_effective_policy(mamori::v1::USB_STORAGE_POLICY_BLOCKED);
  ok(f->mutable_wifi());
  ok(f->mutable_password_policy())->set_min_length(12);
  ok(f->mutable_screen_lock())->set_idle_timeout_seconds(300);
  ok(f->mutable_disk_encryption())->add_volumes()->set_device("/dev/sda2");
  ok(f->mutable_firewall())->set_active(true);
  ok(f->mutable_remote_access())->set_ssh_installed(true);
  ok(f->mutable_accounts())->add_accounts()->set_name("user");
  AddPackages(f->mutable_packages(), packages, index);
  return r;
}

std::shared_ptr<grpc::Channel> Channel(const std::string& server,
                                       const std::string& ca_pem) {
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = ca_pem;
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  // A target naming several collectors (ipv4:A:P,B:P) spreads the calls
  // over them; with one address this is the same as pick_first.
  args.SetLoadBalancingPolicyName("round_robin");
  // A collector killed in a fault test comes back within seconds; gRPC's
  // default reconnect backoff (up to 120 s) would idle the channel longer.
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  args.SetSslTargetNameOverride("localhost");
  return grpc::CreateCustomChannel(server, grpc::SslCredentials(options), args);
}

struct ProcessSample {
  double cpu_seconds = 0;
  int64_t rss_kib = 0;
  int64_t rss_anon_kib = 0;
};

ProcessSample Sample(int pid) {
  ProcessSample s;
  if (pid <= 0) return s;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  // Fields after the command name in parentheses; utime and stime are the
  // 14th and 15th fields overall.
  const size_t close = line.rfind(')');
  std::vector<std::string_view> fields =
      mamori::SplitWhitespace(std::string_view(line).substr(close + 2));
  if (fields.size() > 13) {
    const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
    s.cpu_seconds =
        static_cast<double>(mamori::ParseInt64(fields[11]).value_or(0) +
                            mamori::ParseInt64(fields[12]).value_or(0)) /
        ticks;
  }
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  while (std::getline(status, line)) {
    std::vector<std::string_view> parts = mamori::SplitWhitespace(line);
    if (parts.size() < 2) continue;
    if (parts[0] == "VmRSS:")
      s.rss_kib = mamori::ParseInt64(parts[1]).value_or(0);
    if (parts[0] == "RssAnon:") {
      s.rss_anon_kib = mamori::ParseInt64(parts[1]).value_or(0);
    }
  }
  return s;
}

// This process's own CPU time (all threads, user + system), in seconds.
double SelfCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// `self_cpu_seconds` is the load generator's own CPU time over the timed
// section: on a shared machine it is taken from the collector.
void PrintPhase(const std::string& phase, int64_t reports, double seconds,
                const ProcessSample& before, const ProcessSample& after,
                int pid, int64_t busy, double self_cpu_seconds) {
  std::cout << "phase=" << phase << " reports=" << reports
            << " seconds=" << seconds
            << " per_second=" << static_cast<double>(reports) / seconds;
  if (pid > 0) {
    std::cout << " server_cpu_ms_per="
              << (after.cpu_seconds - before.cpu_seconds) * 1000.0 /
                     static_cast<double>(reports)
              << " server_rss_mib=" << after.rss_kib / 1024
              << " server_rss_anon_mib=" << after.rss_anon_kib / 1024;
  }
  std::cout << " loadgen_cpu_ms_per="
            << self_cpu_seconds * 1000.0 / static_cast<double>(reports)
            << " busy_retries=" << busy << std::endl;
}

// A report ready to send: serialized once, before timing, so a call costs the
// client only its share of gRPC, HTTP/2 and TLS (and a retry costs no more).
struct Prepared {
  std::string report_id;
  grpc::ByteBuffer bytes;
};

Prepared Prepare(const mamori::v1::ReportRequest& request) {
  Prepared prepared;
  prepared.report_id = request.report_id();
  bool own_buffer = false;
  grpc::Status s =
      grpc::SerializationTraits<mamori::v1::ReportRequest>::Serialize(
          request, &prepared.bytes, &own_buffer);
  if (!s.ok()) {
    std::cerr << "mamori-loadgen: cannot serialize report "
              << request.report_id() << ": " << s.error_message() << "\n";
    std::exit(1);
  }
  return prepared;
}

// Runs callbacks at their time on one thread: the busy retries, which must
// not sleep on gRPC's callback threads.
class RetryTimer {
 public:
  RetryTimer() : thread_([this] { Loop(); }) {}
  RetryTimer(const RetryTimer&) = delete;
  RetryTimer& operator=(const RetryTimer&) = delete;
  ~RetryTimer() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    wake_.notify_one();
    thread_.join();
  }

  void After(std::chrono::milliseconds delay, std::function<void()> run) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      due_.emplace(Clock::now() + delay, std::move(run));
    }
    wake_.notify_one();
  }

 private:
  void Loop() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stop_ || !due_.empty()) {
      if (due_.empty()) {
        wake_.wait(lock);
        continue;
      }
      auto first = due_.begin();
      if (first->first > Clock::now()) {
        wake_.wait_until(lock, first->first);
        continue;
      }
      std::function<void()> run = std::move(first->second);
      due_.erase(first);
      lock.unlock();
      run();
      lock.lock();
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::multimap<Clock::time_point, std::function<void()>> due_;
  bool stop_ = false;
  std::thread thread_;
};

// Sends every report of `reports` once over `connections` channels (TLS
// connections), with at most `in_flight` calls at a time on each, through
// gRPC's callback API: many agents' worth of concurrent calls from a few
// threads, so the load generator takes as little CPU from the collector as
// it can. Busy answers (RESOURCE_EXHAUSTED) are retried after the server's
// grpc-retry-pushback-ms hint (shortened tenfold; the order of retries is
// what matters). Anything else is a failure: another error, or an outcome
// other than OUTCOME_STORED (each report id is sent once, so it must be
// stored exactly once). After the first failure no new report is started.
class ReportSender {
 public:
  struct Result {
    int64_t failures = 0;
    int64_t busy = 0;
  };
  // How transport and server errors are handled (see --retry-errors).
  struct Faults {
    bool retry_errors = false;
    std::chrono::seconds retry_for{0};
  };

  ReportSender(const std::vector<Prepared>& reports, const std::string& server,
               const std::string& ca_pem, int connections, int in_flight,
               Faults faults)
      : reports_(reports),
        faults_(faults),
        acked_(reports.size(), 0),
        errored_(reports.size(), 0) {
    for (int c = 0; c < connections; ++c) {
      stubs_.push_back(std::make_unique<Stub>(Channel(server, ca_pem)));
    }
    for (int c = 0; c < connections; ++c) {
      for (int k = 0; k < in_flight; ++k) {
        slots_.push_back(std::make_unique<Slot>());
        slots_.back()->stub = stubs_[static_cast<size_t>(c)].get();
      }
    }
  }

  Result Run() {
    active_ = static_cast<int>(slots_.size());
    for (auto& slot : slots_) Next(slot.get());
    std::unique_lock<std::mutex> lock(mutex_);
    all_done_.wait(lock, [this] { return active_ == 0; });
    return {failures_.load(), busy_.load()};
  }

  // After Run: whether report i was acknowledged (stored, or a duplicate
  // of an attempt whose answer was lost).
  bool Acked(size_t i) const { return acked_[i] != 0; }
  int64_t errors_retried() const { return errors_retried_.load(); }
  int64_t duplicates_after_error() const {
    return duplicates_after_error_.load();
  }

 private:
  using Stub =
      grpc::TemplatedGenericStub<grpc::ByteBuffer, mamori::v1::ReportResponse>;

  // One call at a time; a slot takes the next report when its call ends.
  struct Slot {
    Stub* stub = nullptr;
    size_t index = 0;
    int attempt = 0;
    Clock::time_point first_sent;
    std::unique_ptr<grpc::ClientContext> context;
    mamori::v1::ReportResponse response;
  };

  void Next(Slot* slot) {
    const size_t index = next_++;
    if (index >= reports_.size() || failures_.load() > 0) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (--active_ == 0) all_done_.notify_one();
      return;
    }
    slot->index = index;
    slot->attempt = 0;
    slot->first_sent = Clock::now();
    Start(slot);
  }

  void Start(Slot* slot) {
    // A ClientContext serves one call only.
    slot->context = std::make_unique<grpc::ClientContext>();
    slot->context->set_deadline(std::chrono::system_clock::now() +
                                std::chrono::minutes(5));
    slot->response.Clear();
    slot->stub->UnaryCall(
        slot->context.get(), kMethod, grpc::StubOptions(),
        &reports_[slot->index].bytes, &slot->response,
        [this, slot](const grpc::Status& s) { Done(slot, s); });
  }

  void Done(Slot* slot, const grpc::Status& s) {
    const std::string& id = reports_[slot->index].report_id;
    if (s.ok()) {
      const auto outcome = slot->response.outcome();
      const bool after_error = errored_[slot->index] != 0;
      if (outcome == ReportResponse::OUTCOME_STORED) {
        acked_[slot->index] = 1;
      } else if (outcome == ReportResponse::OUTCOME_DUPLICATE && after_error) {
        acked_[slot->index] = 1;
        ++duplicates_after_error_;
      } else {
        Fail("report " + id + ": outcome " +
             ReportResponse::Outcome_Name(outcome) + ", not OUTCOME_STORED");
      }
      Next(slot);
      return;
    }
    if (faults_.retry_errors && Retryable(s.error_code()) &&
        s.error_code() != grpc::StatusCode::RESOURCE_EXHAUSTED &&
        Clock::now() - slot->first_sent < faults_.retry_for) {
      // As an agent does: the collector or its database may be back soon;
      // this attempt may or may not have been stored.
      errored_[slot->index] = 1;
      ++errors_retried_;
      timer_.After(std::chrono::milliseconds(200),
                   [this, slot] { Start(slot); });
      return;
    }
    if (s.error_code() != grpc::StatusCode::RESOURCE_EXHAUSTED ||
        slot->attempt >= kMaxBusyRetries) {
      Fail("report " + id + " failed: " + StatusName(s) + ": " +
           s.error_message());
      Next(slot);
      return;
    }
    ++busy_;
    ++slot->attempt;
    const auto& trailers = slot->context->GetServerTrailingMetadata();
    auto hint = trailers.find("grpc-retry-pushback-ms");
    int64_t ms = 100;
    if (hint != trailers.end()) {
      ms = mamori::ParseInt64(
               std::string(hint->second.data(), hint->second.size()))
               .value_or(100);
    }
    timer_.After(std::chrono::milliseconds(ms / 10),
                 [this, slot] { Start(slot); });
  }

  static bool Retryable(grpc::StatusCode code) {
    return code != grpc::StatusCode::INVALID_ARGUMENT &&
           code != grpc::StatusCode::UNAUTHENTICATED &&
           code != grpc::StatusCode::PERMISSION_DENIED &&
           code != grpc::StatusCode::FAILED_PRECONDITION;
  }

  void Fail(const std::string& message) {
    if (failures_++ < 5) {
      std::lock_guard<std::mutex> lock(mutex_);
      std::cerr << "mamori-loadgen: " << message << "\n";
    }
  }

  static std::string StatusName(const grpc::Status& s) {
    switch (s.error_code()) {
      case grpc::StatusCode::DEADLINE_EXCEEDED:
        return "DEADLINE_EXCEEDED";
      case grpc::StatusCode::UNAVAILABLE:
        return "UNAVAILABLE";
      case grpc::StatusCode::RESOURCE_EXHAUSTED:
        return "RESOURCE_EXHAUSTED (retried " +
               std::to_string(kMaxBusyRetries) + " times)";
      default:
        return "code " + std::to_string(static_cast<int>(s.error_code()));
    }
  }

  static constexpr int kMaxBusyRetries = 100;
  inline static const std::string kMethod =
      "/" + std::string(mamori::v1::Collector::service_full_name()) + "/Report";

  const std::vector<Prepared>& reports_;
  const Faults faults_;
  // One byte per report, each written only by the slot holding the report.
  std::vector<char> acked_;
  std::vector<char> errored_;
  std::atomic<int64_t> errors_retried_{0};
  std::atomic<int64_t> duplicates_after_error_{0};
  std::vector<std::unique_ptr<Stub>> stubs_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::atomic<size_t> next_{0};
  std::atomic<int64_t> failures_{0};
  std::atomic<int64_t> busy_{0};
  std::mutex mutex_;
  std::condition_variable all_done_;
  int active_ = 0;
  RetryTimer timer_;  // last: destroyed (joined) first
};

// The collector's CA certificate (PEM); empty, with the reason printed, when
// it cannot be read.
std::string ReadCa(const po::variables_map& vm) {
  const std::string path = vm["ca"].as<std::string>();
  std::string pem = mamori::ReadFile(path).value_or("");
  if (pem.empty()) {
    std::cerr << "mamori-loadgen: cannot read the CA certificate " << path
              << "\n";
  }
  return pem;
}

ReportSender::Faults FaultsOf(const po::variables_map& vm) {
  return {vm["retry-errors"].as<bool>(),
          std::chrono::seconds(vm["retry-seconds"].as<int>())};
}

// Sends `requests` as configured by `vm`, then prints the fault counters
// (with --retry-errors) and appends the acknowledged report ids to --acked.
ReportSender::Result Send(const po::variables_map& vm,
                          const std::vector<Prepared>& requests,
                          const std::string& server, const std::string& ca) {
  ReportSender sender(requests, server, ca, vm["connections"].as<int>(),
                      vm["in-flight"].as<int>(), FaultsOf(vm));
  ReportSender::Result result = sender.Run();
  int64_t acked = 0;
  std::ofstream out;
  if (vm.count("acked") != 0) {
    out.open(vm["acked"].as<std::string>(), std::ios::app);
  }
  for (size_t i = 0; i < requests.size(); ++i) {
    if (!sender.Acked(i)) continue;
    ++acked;
    if (out.is_open()) out << requests[i].report_id << "\n";
  }
  if (out.is_open()) {
    out.flush();
    if (!out) {
      std::cerr << "mamori-loadgen: cannot write "
                << vm["acked"].as<std::string>() << "\n";
      ++result.failures;
    }
  }
  if (FaultsOf(vm).retry_errors) {
    std::cout << "acked=" << acked << " sent=" << requests.size()
              << " errors_retried=" << sender.errors_retried()
              << " duplicates_after_error=" << sender.duplicates_after_error()
              << std::endl;
  }
  return result;
}

int RunFirst(const po::variables_map& vm) {
  const std::string server = vm["server"].as<std::string>();
  const std::string ca = ReadCa(vm);
  if (ca.empty()) return 1;
  const int n = vm["agents"].as<int>();
  const int packages = vm["packages"].as<int>();
  const int connections = vm["connections"].as<int>();
  const int pid = vm["server-pid"].as<int>();
  const int offset = vm["offset"].as<int>();
  if (n < 1) {
    std::cerr << "mamori-loadgen first: --agents must be at least 1\n";
    return 2;
  }
  std::vector<Agent> agents(static_cast<size_t>(n));
  {
    std::atomic<int> next{0};
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < connections; ++t) {
      threads.emplace_back([&] {
        auto stub = mamori::v1::Collector::NewStub(Channel(server, ca));
        for (int i = next++; i < n; i = next++) {
          mamori::v1::EnrollRequest request;
          request.set_token(vm["token"].as<std::string>());
          request.mutable_identity()->set_machine_id(
              "machine-" + std::to_string(offset + i));
          request.mutable_identity()->set_hostname("pc-" +
                                                   std::to_string(offset + i));
          mamori::v1::EnrollResponse response;
          grpc::ClientContext context;
          grpc::Status s = stub->Enroll(&context, request, &response);
          if (!s.ok()) {
            if (failures++ < 5)
              std::cerr << "enroll failed: " << s.error_message() << "\n";
            continue;
          }
          agents[static_cast<size_t>(i)] = {response.host_id(),
                                            response.node_key()};
        }
      });
    }
    for (auto& thread : threads) thread.join();
    if (failures > 0) return 1;
  }
  // Build and serialize the reports before timing so the client's own work
  // is not counted (one message at a time, so only the bytes are held).
  std::vector<Prepared> requests;
  requests.reserve(agents.size());
  for (int i = 0; i < n; ++i) {
    requests.push_back(Prepare(
        MakeReport(agents[static_cast<size_t>(i)], offset + i,
                   "first-" + std::to_string(offset + i), packages, 0)));
  }
  ProcessSample before = Sample(pid);
  const double self_before = SelfCpuSeconds();
  auto start = Clock::now();
  auto [failures, busy] = Send(vm, requests, server, ca);
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  PrintPhase("first", n, seconds, before, Sample(pid), pid, busy,
             SelfCpuSeconds() - self_before);
  std::ofstream out(vm["out"].as<std::string>(), std::ios::app);
  for (int i = 0; i < n; ++i) {
    out << offset + i << " " << agents[static_cast<size_t>(i)].host_id << " "
        << agents[static_cast<size_t>(i)].node_key << " " << packages << "\n";
  }
  return failures == 0 ? 0 : 1;
}

int RunSteady(const po::variables_map& vm) {
  const std::string server = vm["server"].as<std::string>();
  const std::string ca = ReadCa(vm);
  if (ca.empty()) return 1;
  const int rounds = vm["rounds"].as<int>();
  const int pid = vm["server-pid"].as<int>();
  struct Known {
    int index;
    Agent agent;
    std::string digest;
  };
  std::vector<Known> known;
  std::ifstream in(vm["agents-file"].as<std::string>());
  int index = 0;
  int packages = 0;
  Agent agent;
  std::map<std::pair<int, int>, std::string> digests;  // (variant, count)
  while (in >> index >> agent.host_id >> agent.node_key >> packages) {
    auto key = std::make_pair(index % 10, packages);
    if (digests.count(key) == 0) {
      mamori::v1::PackageFacts facts;
      AddPackages(&facts, packages, index);
      digests[key] = mamori::wire::PartDigest(facts);
    }
    known.push_back({index, agent, digests[key]});
  }
  if (known.empty() || rounds < 1) {
    std::cerr << "mamori-loadgen steady: no agents in "
              << vm["agents-file"].as<std::string>() << " or --rounds < 1\n";
    return 1;
  }
  const int n = static_cast<int>(known.size()) * rounds;
  std::vector<Prepared> requests;
  requests.reserve(static_cast<size_t>(n));
  size_t steady_bytes = 0;
  // --first-round: repeated runs against one collector send new reports
  // (a report id already stored is acknowledged without being stored again).
  const int first_round = vm["first-round"].as<int>();
  for (int round = first_round; round < first_round + rounds; ++round) {
    for (const Known& k : known) {
      mamori::v1::ReportRequest r = MakeReport(
          k.agent, k.index,
          "steady-" + std::to_string(round) + "-" + std::to_string(k.index), 0,
          round);
      r.mutable_facts()->clear_packages();
      mamori::v1::PartDigest* part = r.add_unchanged_parts();
      part->set_family("packages");
      part->set_sha256(k.digest);
      if (requests.empty()) steady_bytes = r.ByteSizeLong();
      requests.push_back(Prepare(r));
    }
  }
  ProcessSample before = Sample(pid);
  const double self_before = SelfCpuSeconds();
  auto start = Clock::now();
  auto [failures, busy] = Send(vm, requests, server, ca);
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  PrintPhase("steady", n, seconds, before, Sample(pid), pid, busy,
             SelfCpuSeconds() - self_before);
  std::cout << "steady_report_bytes=" << steady_bytes << std::endl;
  return failures == 0 ? 0 : 1;
}

// The family's JSON as the collector stores it (protobuf JSON, proto field
// names, primitive fields printed; the package list itself is not in it).
std::string FamilyJson(const google::protobuf::Message& family) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string json;
  if (family.GetDescriptor() == mamori::v1::PackageFacts::descriptor()) {
    mamori::v1::PackageFacts without_list;
    const auto& packages = static_cast<const mamori::v1::PackageFacts&>(family);
    *without_list.mutable_status() = packages.status();
    without_list.set_content_sha256(packages.content_sha256());
    (void)google::protobuf::util::MessageToJsonString(without_list, &json,
                                                      options);
  } else {
    (void)google::protobuf::util::MessageToJsonString(family, &json, options);
  }
  return json;
}

struct FamilyRow {
  std::string name;
  std::string json;
  std::string digest;
};

// The fact families of `report` in field order, with the payload and digest
// the collector would store.
std::vector<FamilyRow> FamilyRows(const mamori::v1::ReportRequest& report) {
  std::vector<FamilyRow> rows;
  const mamori::v1::EndpointFacts& facts = report.facts();
  const google::protobuf::Descriptor* d = facts.GetDescriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* field = d->field(i);
    if (field->number() < 10 ||
        field->type() != google::protobuf::FieldDescriptor::TYPE_MESSAGE ||
        !facts.GetReflection()->HasField(facts, field)) {
      continue;
    }
    const google::protobuf::Message& family =
        facts.GetReflection()->GetMessage(facts, field);
    rows.push_back(
        {field->name(), FamilyJson(family), mamori::wire::PartDigest(family)});
  }
  return rows;
}

// The same rows the collector writes, straight into SQLite: statements
// prepared once, one transaction per phase, package ids cached in process,
// the same JSON payloads (so the grading module's triggers on host_facts do
// the same work). Per first report: the report row, a fact row and a history
// row per family, new packages and the host's links, the host update. Per
// steady report: the report row, collected_at moved on for the families whose
// digest did not change (the package list among them), the changed antivirus
// family upserted with its history row, the host update.
int RunCeiling(const po::variables_map& vm) {
  using mamori::store::Database;
  using mamori::store::Statement;
  const int n = vm["agents"].as<int>();
  const int packages = vm["packages"].as<int>();
  const int rounds = vm["rounds"].as<int>();
  const std::string path = vm["db"].as<std::string>();
  std::remove(path.c_str());
  auto db = Database::Open(path);
  if (!db.ok()) {
    std::cerr << db.status().ToString() << "\n";
    return 1;
  }
  mamori::FakeClock clock(mamori::FromUnixSeconds(kCollectedAt));
  if (!mamori::store::ApplySchema(*db, clock).ok() ||
      !db->Exec("INSERT INTO organizations (name, created_at) VALUES ('o', 0)")
           .ok()) {
    return 1;
  }
  if (vm["drop-triggers"].as<bool>()) {
    // Measures what the triggers on host_facts (grading's extracted fact
    // tables) add to ingest; the collector always has them.
    std::vector<std::string> names;
    {
      Statement list =
          std::move(db->Prepare("SELECT name FROM sqlite_master WHERE "
                                "type = 'trigger' AND tbl_name = "
                                "'host_facts'"))
              .value();
      while (list.Step().value_or(false)) names.push_back(list.ColumnText(0));
    }
    for (const std::string& name : names) {
      if (!db->Exec("DROP TRIGGER " + name).ok()) return 1;
    }
    std::cout << "ceiling without " << names.size() << " triggers on host_facts"
              << std::endl;
  }
  // Payloads are built before timing, as the collector's are built on the
  // gRPC threads (its own JSON cost is part of its figure, not of this one).
  std::vector<std::vector<FamilyRow>> first_rows;
  first_rows.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    Agent agent{std::to_string(i + 1), "key"};
    first_rows.push_back(FamilyRows(MakeReport(agent, i, "x", 0, 0)));
  }
  std::vector<FamilyRow> antivirus_by_round;  // index: round - 1
  for (int round = 1; round <= rounds; ++round) {
    mamori::v1::ReportRequest r = MakeReport({"1", "key"}, 0, "x", 0, round);
    antivirus_by_round.push_back(
        {"antivirus", FamilyJson(r.facts().antivirus()),
         mamori::wire::PartDigest(r.facts().antivirus())});
  }

  auto prepare = [&](const char* sql) {
    return std::move(db->Prepare(sql)).value();
  };
  Statement host = prepare(
      "INSERT INTO hosts (org_id, node_key_hash, enrolled_at, first_seen, "
      "last_seen) VALUES (1, 'x', 0, 0, 0)");
  Statement report = prepare(
      "INSERT INTO reports (org_id, host_id, report_id, collected_at, "
      "received_at) VALUES (1, ?1, ?2, ?3, ?3)");
  Statement fact = prepare(
      "INSERT INTO host_facts (org_id, host_id, family, state, collected_at, "
      "payload_json, sha256, updated_at, written_report) VALUES (1, ?1, ?2, "
      "'STATUS_OK', ?3, ?4, ?5, ?3, ?6) ON CONFLICT (host_id, family) DO "
      "UPDATE SET collected_at = excluded.collected_at, payload_json = "
      "excluded.payload_json, sha256 = excluded.sha256, updated_at = "
      "excluded.updated_at, written_report = excluded.written_report");
  Statement history = prepare(
      "INSERT INTO fact_history (org_id, host_id, family, state, changed_at, "
      "received_at, payload_json, sha256) VALUES (1, ?1, ?2, 'STATUS_OK', ?3, "
      "?3, ?4, ?5)");
  Statement package = prepare(
      "INSERT INTO packages (name, version, architecture, source, publisher) "
      "VALUES (?1, ?2, 'amd64', 'PACKAGE_SOURCE_DPKG', 'Debian')");
  // Links go in by INSERT OR FAIL statements of 100 rows, as
  // SqliteStore::StorePackages writes them (then one row at a time for the
  // rest); OR FAIL needs no statement journal.
  constexpr int kLinkChunk = 100;
  std::string link_chunk_sql =
      "INSERT OR FAIL INTO host_packages (org_id, host_id, package_id, scope) "
      "VALUES ";
  for (int r = 0; r < kLinkChunk; ++r) {
    link_chunk_sql += r == 0 ? "(1, ?, ?, '')" : ", (1, ?, ?, '')";
  }
  Statement link_chunk = prepare(link_chunk_sql.c_str());
  Statement link = prepare(
      "INSERT INTO host_packages (org_id, host_id, package_id, scope) VALUES "
      "(1, ?1, ?2, '')");
  std::vector<int64_t> link_ids;
  // A report naming every family stamps the host instead of moving each
  // unchanged family's collected_at (core migration 4), as the collector's.
  Statement touch = prepare(
      "UPDATE hosts SET last_seen = ?2, last_collected_at = ?2, "
      "reports_stored = reports_stored + 1, facts_vouched_at = ?2, "
      "facts_vouched_report = ?3 WHERE id = ?1");
  std::map<std::string, int64_t> package_ids;

  auto phase = [&](const std::string& name, int reports, auto body) {
    auto start = Clock::now();
    const ProcessSample cpu_before = Sample(getpid());
    if (!db->Exec("BEGIN").ok()) return false;
    for (int i = 0; i < reports; ++i) {
      if (!body(i)) return false;
    }
    if (!db->Exec("COMMIT").ok()) return false;
    double seconds =
        std::chrono::duration<double>(Clock::now() - start).count();
    const double cpu = Sample(getpid()).cpu_seconds - cpu_before.cpu_seconds;
    std::cout << "phase=ceiling_" << name << " reports=" << reports
              << " seconds=" << seconds << " per_second=" << reports / seconds
              << " cpu_ms_per=" << cpu * 1000.0 / reports << std::endl;
    return true;
  };
  bool ok = phase("first", n, [&](int i) {
    const int64_t host_id = i + 1;
    if (!host.Run().ok()) return false;
    report.Bind(1, host_id)
        .Bind(2, "first-" + std::to_string(i))
        .Bind(3, kCollectedAt);
    if (!report.Run().ok()) return false;
    const int64_t report_row = db->LastInsertId();
    for (const FamilyRow& row : first_rows[static_cast<size_t>(i)]) {
      fact.Bind(1, host_id)
          .Bind(2, row.name)
          .Bind(3, kCollectedAt)
          .Bind(4, row.json)
          .Bind(5, row.digest)
          .Bind(6, report_row);
      if (!fact.Run().ok()) return false;
      history.Bind(1, host_id)
          .Bind(2, row.name)
          .Bind(3, kCollectedAt)
          .Bind(4, row.json)
          .Bind(5, row.digest);
      if (!history.Run().ok()) return false;
    }
    link_ids.clear();
    for (int p = 0; p < packages; ++p) {
      const std::string pkg_name = "lib-package-" + std::to_string(p);
      const std::string version = p % 10 == 0
                                      ? "2." + std::to_string(i % 10) + ".0-1"
                                      : "1." + std::to_string(p % 13) + ".4-2";
      const std::string key = pkg_name + "\t" + version;
      auto it = package_ids.find(key);
      if (it == package_ids.end()) {
        package.Bind(1, pkg_name).Bind(2, version);
        if (!package.Run().ok()) return false;
        it = package_ids.emplace(key, db->LastInsertId()).first;
      }
      link_ids.push_back(it->second);
    }
    size_t next = 0;
    for (; link_ids.size() - next >= kLinkChunk; next += kLinkChunk) {
      for (int r = 0; r < kLinkChunk; ++r) {
        link_chunk.Bind(2 * r + 1, host_id)
            .Bind(2 * r + 2, link_ids[next + static_cast<size_t>(r)]);
      }
      if (!link_chunk.Run().ok()) return false;
    }
    for (; next < link_ids.size(); ++next) {
      link.Bind(1, host_id).Bind(2, link_ids[next]);
      if (!link.Run().ok()) return false;
    }
    touch.Bind(1, host_id).Bind(2, kCollectedAt).Bind(3, report_row);
    return touch.Run().ok();
  });
  ok = ok && phase("steady", n * rounds, [&](int i) {
         const int64_t host_id = i % n + 1;
         const int round = i / n + 1;
         const int64_t collected_at = kCollectedAt + round * 3600;
         report.Bind(1, host_id)
             .Bind(2, "steady-" + std::to_string(i))
             .Bind(3, collected_at);
         if (!report.Run().ok()) return false;
         const int64_t report_row = db->LastInsertId();
         const FamilyRow& av =
             antivirus_by_round[static_cast<size_t>(round - 1)];
         fact.Bind(1, host_id)
             .Bind(2, av.name)
             .Bind(3, collected_at)
             .Bind(4, av.json)
             .Bind(5, av.digest)
             .Bind(6, report_row);
         if (!fact.Run().ok()) return false;
         history.Bind(1, host_id)
             .Bind(2, av.name)
             .Bind(3, collected_at)
             .Bind(4, av.json)
             .Bind(5, av.digest);
         if (!history.Run().ok()) return false;
         touch.Bind(1, host_id).Bind(2, collected_at).Bind(3, report_row);
         return touch.Run().ok();
       });
  return ok ? 0 : 1;
}

// One libpq session for the PostgreSQL ceiling; every failure prints the
// server's message and makes the run fail.
class PgSession {
 public:
  explicit PgSession(const std::string& url)
      : conn_(PQconnectdb(url.c_str())) {}
  PgSession(const PgSession&) = delete;
  PgSession& operator=(const PgSession&) = delete;
  ~PgSession() { PQfinish(conn_); }

  bool ok() const { return PQstatus(conn_) == CONNECTION_OK; }
  std::string error() const { return PQerrorMessage(conn_); }

  // Runs `sql`; returns its rows (as text), or nullopt after printing the
  // error.
  std::optional<std::vector<std::vector<std::string>>> Query(
      const std::string& sql) {
    PGresult* r = PQexec(conn_, sql.c_str());
    const ExecStatusType status = PQresultStatus(r);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      std::cerr << "mamori-loadgen pg-ceiling: " << PQresultErrorMessage(r)
                << "  in: " << sql.substr(0, 120) << "\n";
      PQclear(r);
      return std::nullopt;
    }
    std::vector<std::vector<std::string>> rows;
    for (int i = 0; i < PQntuples(r); ++i) {
      rows.emplace_back();
      for (int c = 0; c < PQnfields(r); ++c) {
        rows.back().push_back(PQgetvalue(r, i, c));
      }
    }
    PQclear(r);
    return rows;
  }

  // COPY `table_and_columns` FROM STDIN with `data` in COPY's text format.
  bool Copy(const std::string& table_and_columns, const std::string& data) {
    PGresult* r =
        PQexec(conn_, ("COPY " + table_and_columns + " FROM STDIN").c_str());
    const bool started = PQresultStatus(r) == PGRES_COPY_IN;
    PQclear(r);
    if (!started ||
        PQputCopyData(conn_, data.data(), static_cast<int>(data.size())) != 1 ||
        PQputCopyEnd(conn_, nullptr) != 1) {
      std::cerr << "mamori-loadgen pg-ceiling: COPY " << table_and_columns
                << ": " << error() << "\n";
      return false;
    }
    bool ok = true;
    while ((r = PQgetResult(conn_)) != nullptr) {
      if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        std::cerr << "mamori-loadgen pg-ceiling: COPY " << table_and_columns
                  << ": " << PQresultErrorMessage(r) << "\n";
        ok = false;
      }
      PQclear(r);
    }
    return ok;
  }

  // Prepares `sql` as `name`; false after printing the error.
  bool Prepare(const std::string& name, const std::string& sql) {
    PGresult* r = PQprepare(conn_, name.c_str(), sql.c_str(), 0, nullptr);
    const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok) {
      std::cerr << "mamori-loadgen pg-ceiling: " << PQresultErrorMessage(r)
                << "  in: " << sql.substr(0, 120) << "\n";
    }
    PQclear(r);
    return ok;
  }

  // Runs the prepared statement `name` with text parameters.
  bool Run(const std::string& name, const std::vector<std::string>& params) {
    std::vector<const char*> values;
    for (const std::string& p : params) values.push_back(p.c_str());
    PGresult* r =
        PQexecPrepared(conn_, name.c_str(), static_cast<int>(values.size()),
                       values.data(), nullptr, nullptr, 0);
    const ExecStatusType status = PQresultStatus(r);
    const bool ok = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
    if (!ok) {
      std::cerr << "mamori-loadgen pg-ceiling: " << name << ": "
                << PQresultErrorMessage(r) << "\n";
    }
    PQclear(r);
    return ok;
  }

  // The server process of this session (its CPU is the database's share).
  int backend_pid() const { return PQbackendPID(conn_); }

 private:
  PGconn* conn_;
};

// `text` as a field of COPY's text format.
std::string CopyField(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// The raw PostgreSQL ceiling: the rows a collector writes for `first` and
// `steady`, from one process, into a fresh database made by `init --store`.
// First phase, one transaction: the package dictionary, the hosts, the
// report rows, 15 fact and 15 history rows per host and the host's package
// links, each table in one COPY. Steady phase, one transaction: per round
// the report rows and the antivirus history rows by COPY, the antivirus
// fact of every host moved on and every host stamped, one UPDATE each.
int RunPgCeiling(const po::variables_map& vm) {
  const int n = vm["agents"].as<int>();
  const int packages = vm["packages"].as<int>();
  const int rounds = vm["rounds"].as<int>();
  PgSession pg(vm["pg"].as<std::string>());
  if (!pg.ok()) {
    std::cerr << "mamori-loadgen pg-ceiling: " << pg.error() << "\n";
    return 1;
  }
  auto org_rows = pg.Query("SELECT min(id) FROM organizations");
  auto host_rows = pg.Query("SELECT count(*) FROM hosts");
  if (!org_rows || !host_rows || (*org_rows)[0][0].empty() ||
      (*host_rows)[0][0] != "0") {
    std::cerr << "mamori-loadgen pg-ceiling: wants a database fresh from "
                 "`init --store` (one organisation, no hosts)\n";
    return 1;
  }
  const std::string org = (*org_rows)[0][0];
  // A partition for the ceiling's times (in November 2025, before any month
  // `init` made), so none is created inside the timing.
  if (!pg.Query("CREATE TABLE fact_history_ceiling PARTITION OF fact_history "
                "FOR VALUES FROM (" +
                std::to_string(kCollectedAt) + ") TO (" +
                std::to_string(kCollectedAt + 30 * 86400) + ")")) {
    return 1;
  }
  // Payloads and package rows are built before timing, as in `ceiling`.
  std::vector<std::vector<FamilyRow>> first_rows;
  first_rows.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    first_rows.push_back(FamilyRows(MakeReport({"1", "key"}, i, "x", 0, 0)));
  }
  std::vector<FamilyRow> antivirus_by_round;  // both steady phases
  for (int round = 1; round <= 2 * rounds; ++round) {
    mamori::v1::ReportRequest r = MakeReport({"1", "key"}, 0, "x", 0, round);
    antivirus_by_round.push_back(
        {"antivirus", FamilyJson(r.facts().antivirus()),
         mamori::wire::PartDigest(r.facts().antivirus())});
  }
  if (!pg.Prepare("report",
                  "INSERT INTO reports (org_id, host_id, report_id, "
                  "collected_at, received_at) VALUES ($1, $2, $3, $4, $4) "
                  "RETURNING id") ||
      !pg.Prepare("fact",
                  "UPDATE host_facts SET collected_at = $3, updated_at = $3, "
                  "payload_json = $4, sha256 = $5, written_report = $6 WHERE "
                  "host_id = $1 AND family = $2") ||
      !pg.Prepare("history",
                  "INSERT INTO fact_history (org_id, host_id, family, state, "
                  "changed_at, received_at, payload_json, sha256) VALUES ($1, "
                  "$2, $3, 'STATUS_OK', $4, $4, $5, $6)") ||
      !pg.Prepare("touch",
                  "UPDATE hosts SET last_seen = $2, last_collected_at = $2, "
                  "facts_vouched_at = $2, reports_stored = reports_stored + 1 "
                  "WHERE id = $1")) {
    return 1;
  }
  // The package of agent i at position p: variants differ by i % 10.
  auto version_of = [](int i, int p) {
    return p % 10 == 0 ? "2." + std::to_string(i % 10) + ".0-1"
                       : "1." + std::to_string(p % 13) + ".4-2+deb12u1";
  };
  const std::string publisher = "Debian Maintainers <debian@example.org>";

  const int backend = pg.backend_pid();
  auto phase = [&](const std::string& name, int reports, auto body) {
    const auto start = Clock::now();
    const double cpu_before = SelfCpuSeconds();
    const ProcessSample server_before = Sample(backend);
    if (!pg.Query("BEGIN") || !body() || !pg.Query("COMMIT")) return false;
    const double seconds =
        std::chrono::duration<double>(Clock::now() - start).count();
    const double server =
        Sample(backend).cpu_seconds - server_before.cpu_seconds;
    std::cout << "phase=pg_ceiling_" << name << " reports=" << reports
              << " seconds=" << seconds << " per_second=" << reports / seconds
              << " cpu_ms_per="
              << (SelfCpuSeconds() - cpu_before) * 1000.0 / reports
              << " server_cpu_ms_per=" << server * 1000.0 / reports
              << std::endl;
    return true;
  };

  const std::string at = std::to_string(kCollectedAt);
  bool ok = phase("first", n, [&] {
    std::string data;
    for (int variant = 0; variant < std::min(n, 10); ++variant) {
      for (int p = 0; p < packages; ++p) {
        if (variant > 0 && p % 10 != 0) continue;  // shared: once
        data += "lib-package-" + std::to_string(p) + "\t" +
                version_of(variant, p) + "\tamd64\tdpkg\t" +
                CopyField(publisher) + "\n";
      }
    }
    if (!pg.Copy("packages (name, version, architecture, source, publisher)",
                 data)) {
      return false;
    }
    auto ids = pg.Query("SELECT id, name, version FROM packages");
    if (!ids) return false;
    std::map<std::string, std::string> package_ids;
    for (const auto& row : *ids) package_ids[row[1] + "\t" + row[2]] = row[0];

    data.clear();
    for (int i = 0; i < n; ++i) {
      data += std::to_string(i + 1) + "\t" + org + "\tpc-" + std::to_string(i) +
              "\tmachine-" + std::to_string(i) + "\tx\t" + at + "\t" + at +
              "\t" + at + "\t" + at + "\t1\t" + at + "\n";
    }
    if (!pg.Copy("hosts (id, org_id, hostname, machine_id, node_key_hash, "
                 "enrolled_at, first_seen, last_seen, last_collected_at, "
                 "reports_stored, facts_vouched_at)",
                 data)) {
      return false;
    }
    data.clear();
    for (int i = 0; i < n; ++i) {
      data += org + "\t" + std::to_string(i + 1) + "\tfirst-" +
              std::to_string(i) + "\t" + at + "\t" + at + "\n";
    }
    if (!pg.Copy("reports (org_id, host_id, report_id, collected_at, "
                 "received_at)",
                 data)) {
      return false;
    }
    std::string facts;
    std::string history;
    for (int i = 0; i < n; ++i) {
      const std::string host = std::to_string(i + 1);
      for (const FamilyRow& row : first_rows[static_cast<size_t>(i)]) {
        const std::string json = CopyField(row.json);
        facts += org + "\t" + host + "\t" + row.name + "\tSTATUS_OK\t" + at +
                 "\t" + json + "\t" + row.digest + "\t" + at + "\n";
        history += org + "\t" + host + "\t" + row.name + "\tSTATUS_OK\t" + at +
                   "\t" + at + "\t" + json + "\t" + row.digest + "\n";
      }
    }
    if (!pg.Copy("host_facts (org_id, host_id, family, state, collected_at, "
                 "payload_json, sha256, updated_at)",
                 facts) ||
        !pg.Copy("fact_history (org_id, host_id, family, state, changed_at, "
                 "received_at, payload_json, sha256)",
                 history)) {
      return false;
    }
    data.clear();
    for (int i = 0; i < n; ++i) {
      const std::string prefix = org + "\t" + std::to_string(i + 1) + "\t";
      for (int p = 0; p < packages; ++p) {
        data += prefix +
                package_ids["lib-package-" + std::to_string(p) + "\t" +
                            version_of(i, p)] +
                "\t\n";
      }
    }
    return pg.Copy("host_packages (org_id, host_id, package_id, scope)", data);
  });
  // Steady reports one by one with prepared statements, as SQLite's
  // `ceiling` writes them: the report row, the antivirus fact, its history
  // row, the host stamp.
  ok = ok && phase("steady", n * rounds, [&] {
         for (int round = 1; round <= rounds; ++round) {
           const std::string when = std::to_string(kCollectedAt + round * 3600);
           const FamilyRow& av =
               antivirus_by_round[static_cast<size_t>(round - 1)];
           for (int i = 0; i < n; ++i) {
             const std::string host = std::to_string(i + 1);
             const std::string id =
                 "steady-" + std::to_string(round) + "-" + std::to_string(i);
             if (!pg.Run("report", {org, host, id, when}) ||
                 !pg.Run("fact",
                         {host, "antivirus", when, av.json, av.digest, "0"}) ||
                 !pg.Run("history",
                         {org, host, "antivirus", when, av.json, av.digest}) ||
                 !pg.Run("touch", {host, when})) {
               return false;
             }
           }
         }
         return true;
       });
  // The same rows again, each table's rows of a round in one COPY or one
  // UPDATE: what one process could write at best.
  ok = ok && phase("steady_bulk", n * rounds, [&] {
         for (int round = rounds + 1; round <= 2 * rounds; ++round) {
           const std::string when = std::to_string(kCollectedAt + round * 3600);
           const FamilyRow& av =
               antivirus_by_round[static_cast<size_t>(round - 1)];
           const std::string json = CopyField(av.json);
           std::string reports;
           std::string history;
           for (int i = 0; i < n; ++i) {
             const std::string host = std::to_string(i + 1);
             reports += org + "\t" + host + "\tsteady-" +
                        std::to_string(round) + "-" + std::to_string(i) + "\t" +
                        when + "\t" + when + "\n";
             history += org + "\t" + host + "\tantivirus\tSTATUS_OK\t" + when +
                        "\t" + when + "\t" + json + "\t" + av.digest + "\n";
           }
           std::string quoted_json;
           for (char c : av.json)
             quoted_json += c == '\'' ? "''" : std::string(1, c);
           if (!pg.Copy("reports (org_id, host_id, report_id, collected_at, "
                        "received_at)",
                        reports) ||
               !pg.Copy("fact_history (org_id, host_id, family, state, "
                        "changed_at, received_at, payload_json, sha256)",
                        history) ||
               !pg.Query("UPDATE host_facts SET collected_at = " + when +
                         ", updated_at = " + when + ", payload_json = '" +
                         quoted_json + "', sha256 = '" + av.digest +
                         "' WHERE family = 'antivirus'") ||
               !pg.Query("UPDATE hosts SET last_seen = " + when +
                         ", last_collected_at = " + when +
                         ", facts_vouched_at = " + when +
                         ", reports_stored = reports_stored + 1")) {
             return false;
           }
         }
         return true;
       });
  return ok ? 0 : 1;
}

// The same first and steady reports through the store port, in process.
int RunPort(const po::variables_map& vm) {
  namespace store = mamori::store;
  const int n = vm["agents"].as<int>();
  const int fill = vm["fill"].as<int>();
  const int packages = vm["packages"].as<int>();
  const int fill_packages = vm["fill-packages"].as<int>();
  const int rounds = vm["rounds"].as<int>();
  const std::string path = vm["db"].as<std::string>();
  // --store: any store URL (an empty PostgreSQL database) instead of --db.
  const std::string url = vm.count("store") != 0 ? vm["store"].as<std::string>()
                                                 : store::SqliteUrl(path);
  if (vm.count("store") == 0) {
    for (const char* suffix : {"", "-wal", "-shm"}) {
      std::remove((path + suffix).c_str());
    }
  }
  const mamori::Clock& clock = mamori::SystemClock::Instance();
  auto opened = store::OpenStore(url, clock);
  if (!opened.ok()) {
    std::cerr << opened.status().ToString() << "\n";
    return 1;
  }
  store::Store& st = **opened;
  if (const std::string like = vm["drop-triggers-like"].as<std::string>();
      !like.empty() && vm.count("store") == 0) {
    // One factor at a time (docs/performance.md "Steady ingest,
    // attributed"): the store's own triggers named LIKE the pattern are
    // dropped through a second connection; the store's statements prepare
    // again on the changed schema. The collector always has them.
    using mamori::store::Database;
    auto db = Database::Open(path);
    if (!db.ok()) {
      std::cerr << db.status().ToString() << "\n";
      return 1;
    }
    std::vector<std::string> names;
    {
      auto list = db->Prepare(
          "SELECT name FROM sqlite_master WHERE type = 'trigger' AND "
          "name LIKE ?1");
      if (!list.ok()) return 1;
      list->Bind(1, std::string_view(like));
      while (list->Step().value_or(false)) names.push_back(list->ColumnText(0));
    }
    for (const std::string& name : names) {
      if (!db->Exec("DROP TRIGGER " + name).ok()) return 1;
    }
    std::cout << "dropped_triggers=" << names.size() << " like=" << like
              << std::endl;
  }
  store::OrgSpec org_spec;
  org_spec.name = "bench";
  auto org = st.CreateOrg(org_spec);
  store::TokenSpec token_spec;
  token_spec.org = "bench";
  auto token = st.CreateToken(token_spec);
  if (!org.ok() || !token.ok()) {
    std::cerr << "org/token: " << org.status().ToString() << " "
              << token.status().ToString() << "\n";
    return 1;
  }
  const int total = n + fill;
  std::vector<Agent> agents;
  agents.reserve(static_cast<size_t>(total));
  for (int i = 0; i < total; ++i) {
    store::EnrollInput in;
    in.token = token->token;
    in.identity.hostname = "pc-" + std::to_string(i);
    in.identity.machine_id = "machine-" + std::to_string(i);
    const std::string key = "node-key-" + std::to_string(i);
    in.node_key_hash = mamori::pki::Sha256Hex(key);
    auto enrolled = st.Enroll(in);
    if (!enrolled.ok()) {
      std::cerr << "enroll: " << enrolled.status().ToString() << "\n";
      return 1;
    }
    agents.push_back({std::to_string(enrolled->host_id), key});
  }

  // Stores `requests` in batches as the collector's writer does; timed.
  const mamori::service::Limits limits;
  auto phase =
      [&](const std::string& name,
          std::vector<std::shared_ptr<mamori::v1::ReportRequest>> requests) {
        const size_t count = requests.size();
        // For a profiler attached to the timed part only (perf -p, see
        // docs/performance.md "Steady ingest, attributed").
        std::cout << "phase_start=port_" << name << std::endl;
        const auto start = Clock::now();
        const ProcessSample cpu_before = Sample(getpid());
        constexpr size_t kBatch = 64;
        std::vector<store::ReportInput> batch;
        for (size_t i = 0; i < count; ++i) {
          auto input =
              mamori::service::ConvertReport(std::move(requests[i]), limits);
          if (!input.ok()) {
            std::cerr << name << ": " << input.status().ToString() << "\n";
            return false;
          }
          batch.push_back(std::move(*input));
          if (batch.size() == kBatch || i + 1 == count) {
            for (const auto& r : st.StoreReports(batch)) {
              if (!r.ok() || r->outcome != store::ReportOutcome::kStored) {
                std::cerr << name << ": not stored: "
                          << (r.ok() ? "outcome" : r.status().ToString())
                          << "\n";
                return false;
              }
            }
            batch.clear();
          }
        }
        const double seconds =
            std::chrono::duration<double>(Clock::now() - start).count();
        const double cpu =
            Sample(getpid()).cpu_seconds - cpu_before.cpu_seconds;
        std::cout << "phase=port_" << name << " reports=" << count
                  << " seconds=" << seconds << " per_second=" << count / seconds
                  << " cpu_ms_per=" << cpu * 1000.0 / static_cast<double>(count)
                  << std::endl;
        return true;
      };
  std::map<std::string, std::string> digests;
  auto reports = [&](int from, int to, int pkgs, int round,
                     const std::string& tag) {
    std::vector<std::shared_ptr<mamori::v1::ReportRequest>> out;
    for (int i = from; i < to; ++i) {
      auto r = std::make_shared<mamori::v1::ReportRequest>(
          MakeReport(agents[static_cast<size_t>(i)], i,
                     tag + "-" + std::to_string(i), pkgs, round));
      if (round > 0) {
        // Steady: the package list as its digest, as real agents send it
        // (ten package-list variants per list size).
        const std::string key =
            std::to_string(pkgs) + "/" + std::to_string(i % 10);
        if (digests.count(key) == 0) {
          mamori::v1::PackageFacts facts;
          AddPackages(&facts, pkgs, i);
          digests[key] = mamori::wire::PartDigest(facts);
        }
        r->mutable_facts()->clear_packages();
        auto* part = r->add_unchanged_parts();
        part->set_family("packages");
        part->set_sha256(digests[key]);
      }
      out.push_back(std::move(r));
    }
    return out;
  };
  // Reports are built before each phase is timed.
  if (!phase("first", reports(0, n, packages, 0, "first"))) return 1;
  if (fill > 0 && !phase("fill", reports(n, total, fill_packages, 0, "fill"))) {
    return 1;
  }
  for (int round = 1; round <= rounds; ++round) {
    std::vector<std::shared_ptr<mamori::v1::ReportRequest>> all =
        reports(0, n, packages, round, "steady" + std::to_string(round));
    auto rest = reports(n, total, fill_packages, round,
                        "steady" + std::to_string(round));
    std::move(rest.begin(), rest.end(), std::back_inserter(all));
    if (!phase("steady", std::move(all))) return 1;
  }

  mamori::policy::GradingService::Options grading_options;
  grading_options.database_path = url;
  grading_options.check_time_limit =
      std::chrono::milliseconds(vm["check-time-limit-ms"].as<int>());
  auto grading = mamori::policy::GradingService::Open(grading_options, clock);
  if (!grading.ok()) {
    std::cerr << grading.status().ToString() << "\n";
    return 1;
  }
  // The first re-grade writes every result; the next ones are what `serve`
  // does after a steady round (results unchanged but their times).
  const int regrades = std::max(1, vm["regrades"].as<int>());
  for (int pass = 1; pass <= regrades; ++pass) {
    // Each check's query time: the grading asks go_on after each check's
    // query, in policy order.
    std::vector<std::pair<double, std::string>> checks;
    auto last = Clock::now();
    const auto& policy_checks = (*grading)->policies().checks;
    auto go_on = [&]() {
      const auto now = Clock::now();
      const size_t i = checks.size();
      checks.push_back(
          {std::chrono::duration<double, std::milli>(now - last).count(),
           i < policy_checks.size() ? policy_checks[i].id : "?"});
      last = now;
      return mamori::Status::Ok();
    };
    // For a script sampling the database server's CPU around the pass.
    std::cout << "phase_start=port_regrade pass=" << pass << std::endl;
    const auto start = Clock::now();
    const ProcessSample cpu_before = Sample(getpid());
    const mamori::Status graded = (*grading)->EvaluateOrgId(org->id, go_on);
    if (!graded.ok()) {
      std::cerr << "regrade: " << graded.ToString() << "\n";
      return 1;
    }
    std::cout << "phase=port_regrade pass=" << pass << " hosts=" << total
              << " seconds="
              << std::chrono::duration<double>(Clock::now() - start).count()
              << " cpu_s="
              << Sample(getpid()).cpu_seconds - cpu_before.cpu_seconds
              << std::endl;
    std::sort(checks.rbegin(), checks.rend());
    std::cout << "slowest_checks pass=" << pass;
    for (size_t i = 0; i < checks.size() && i < 8; ++i) {
      std::cout << " " << checks[i].second << "=" << std::fixed
                << std::setprecision(0) << checks[i].first << "ms";
    }
    std::cout << std::defaultfloat << std::setprecision(6) << std::endl;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  po::options_description options(
      "mamori-loadgen first|steady|ceiling|port|pg-ceiling [options]");
  options.add_options()("help,h", "show this help")(
      "mode", po::value<std::string>(),
      "first, steady, ceiling, port or pg-ceiling")(
      "server", po::value<std::string>()->default_value("127.0.0.1:50443"),
      "collector ADDR:PORT")("ca", po::value<std::string>(),
                             "collector CA file")(
      "token", po::value<std::string>(), "enrollment token (first)")(
      "agents", po::value<int>()->default_value(100), "agents to simulate")(
      "offset", po::value<int>()->default_value(0),
      "first agent number (first)")(
      "packages", po::value<int>()->default_value(1500), "packages per agent")(
      "rounds", po::value<int>()->default_value(3), "steady reports per agent")(
      "first-round", po::value<int>()->default_value(1),
      "number of the first steady round (report ids; steady)")(
      "connections", po::value<int>()->default_value(32),
      "TLS connections (channels) to the collector")(
      "in-flight", po::value<int>()->default_value(4),
      "calls in flight on each connection (callback API)")(
      "server-pid", po::value<int>()->default_value(0),
      "collector pid, to report its CPU and RSS")(
      "out", po::value<std::string>(), "append enrolled agents here (first)")(
      "agents-file", po::value<std::string>(),
      "agents written by first (steady)")(
      "db", po::value<std::string>()->default_value("/tmp/mamori-ceiling.db"),
      "database file for ceiling and port")(
      "fill", po::value<int>()->default_value(0),
      "port: more agents with --fill-packages packages")(
      "fill-packages", po::value<int>()->default_value(150),
      "port: packages per fill agent")(
      "drop-triggers", po::bool_switch()->default_value(false),
      "ceiling: drop the triggers on host_facts first (to measure them)")(
      "drop-triggers-like", po::value<std::string>()->default_value(""),
      "port: drop the store's triggers whose name is LIKE this first (to "
      "measure them; the collector always has them)")(
      "retry-errors", po::bool_switch()->default_value(false),
      "first/steady: resend reports after any retryable error, as agents "
      "do (fault tests)")(
      "retry-seconds", po::value<int>()->default_value(120),
      "first/steady: give a report up after this many seconds of errors")(
      "store", po::value<std::string>(),
      "port: a store URL (postgresql://… of an empty database) instead of "
      "--db")("regrades", po::value<int>()->default_value(1),
              "port: re-grade the organisation this many times")(
      "check-time-limit-ms", po::value<int>()->default_value(4000),
      "port: the grading's check time limit (serve's default 4000)")(
      "pg", po::value<std::string>(),
      "pg-ceiling: postgresql:// URL of a database made by init --store")(
      "acked", po::value<std::string>(),
      "first/steady: append acknowledged report ids to this file");
  po::positional_options_description positional;
  positional.add("mode", 1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv)
                  .options(options)
                  .positional(positional)
                  .run(),
              vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "mamori-loadgen: " << e.what() << "\n";
    return 2;
  }
  if (vm.count("help") != 0 || vm.count("mode") == 0) {
    std::cout << options << "\n";
    return vm.count("help") != 0 ? 0 : 2;
  }
  const std::string mode = vm["mode"].as<std::string>();
  auto need = [&](std::initializer_list<const char*> names) {
    for (const char* name : names) {
      if (vm.count(name) == 0) {
        std::cerr << "mamori-loadgen " << mode << ": --" << name
                  << " is required\n";
        return false;
      }
    }
    return true;
  };
  if (vm["connections"].as<int>() < 1 || vm["in-flight"].as<int>() < 1) {
    std::cerr << "mamori-loadgen: --connections and --in-flight must be at "
                 "least 1\n";
    return 2;
  }
  if (mode == "first") return need({"ca", "token", "out"}) ? RunFirst(vm) : 2;
  if (mode == "steady") return need({"ca", "agents-file"}) ? RunSteady(vm) : 2;
  if (mode == "ceiling") return RunCeiling(vm);
  if (mode == "port") return RunPort(vm);
  if (mode == "pg-ceiling") return need({"pg"}) ? RunPgCeiling(vm) : 2;
  std::cerr << "mamori-loadgen: unknown mode '" << mode << "'\n";
  return 2;
}

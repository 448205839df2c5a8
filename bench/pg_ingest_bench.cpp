// libpq vs libpqxx on the PostgreSQL ingest path (issue #17): the writes of
// a first report (1,500 package links of one host, one transaction) and of
// a steady report (15 fact upserts + 1 history row, one transaction), each
// way timed over the same rows on a fresh table.
//
//   scripts/pg-cluster.sh run -- build/bench/mamori-pg-ingest-bench [HOSTS]
//
// Prints, per way: reports/s (wall), client CPU per report and the server
// backend's CPU per report (from /proc/<pg_backend_pid>/stat: the cluster
// runs on this machine). Ways:
//   libpq  row       a prepared INSERT per row (PQexecPrepared)
//   libpq  pipeline  the same statements in libpq's pipeline mode
//   libpq  array     one INSERT … SELECT FROM unnest($1::bigint[], …)
//   libpq  copy      COPY … FROM STDIN, text format
//   libpqxx row      exec_prepared per row
//   libpqxx array    exec_prepared with the arrays as text parameters
//   libpqxx stream   pqxx::stream_to (COPY)
// Figures and the choice: docs/architecture.md "PostgreSQL backend".
#include <libpq-fe.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <pqxx/pqxx>
#include <sstream>
#include <string>
#include <vector>

namespace {

constexpr int kLinks = 1500;
constexpr int kFamilies = 15;

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

double BackendCpuSeconds(int pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  // Fields after the command name in parentheses: utime is the 14th
  // field, stime the 15th (1-based, man 5 proc).
  std::istringstream rest(line.substr(line.rfind(')') + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i >= 14) ticks += std::stod(field);
  }
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

void Check(PGresult* r, const char* what) {
  ExecStatusType s = PQresultStatus(r);
  if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK &&
      s != PGRES_PIPELINE_SYNC) {
    std::fprintf(stderr, "%s: %s\n", what, PQresultErrorMessage(r));
    std::exit(1);
  }
  PQclear(r);
}

void Exec(PGconn* c, const char* sql) { Check(PQexec(c, sql), sql); }

int BackendPid(PGconn* c) { return PQbackendPID(c); }

struct Figures {
  double wall = 0, client = 0, server = 0;
  int reports = 0;
};

void Print(const char* way, const char* shape, const Figures& f) {
  std::printf("%-16s %-7s %9.0f reports/s  client %6.3f ms  server %6.3f ms\n",
              way, shape, f.reports / f.wall, 1e3 * f.client / f.reports,
              1e3 * f.server / f.reports);
  std::fflush(stdout);
}

Figures Time(int backend_pid, int reports,
             const std::function<void(int)>& one) {
  Figures f;
  f.reports = reports;
  const auto start = std::chrono::steady_clock::now();
  const double cpu = CpuSeconds();
  const double server = BackendCpuSeconds(backend_pid);
  for (int r = 0; r < reports; ++r) one(r);
  f.wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  f.client = CpuSeconds() - cpu;
  f.server = BackendCpuSeconds(backend_pid) - server;
  return f;
}

const char kSchema[] =
    "SET client_min_messages = warning; DROP TABLE IF EXISTS links, facts; "
    "CREATE TABLE links (org_id bigint NOT NULL, host_id bigint NOT NULL, "
    "package_id bigint NOT NULL, scope text NOT NULL, install_time bigint, "
    "PRIMARY KEY (host_id, package_id, scope)); "
    "CREATE TABLE facts (host_id bigint NOT NULL, family text NOT NULL, "
    "state text NOT NULL, collected_at bigint, payload_json jsonb NOT NULL, "
    "sha256 text NOT NULL, updated_at bigint NOT NULL, PRIMARY KEY (host_id, "
    "family)); "
    "CREATE TABLE IF NOT EXISTS history (host_id bigint, family text, "
    "received_at bigint, payload_json jsonb); TRUNCATE history";

const char kInsertLink[] =
    "INSERT INTO links (org_id, host_id, package_id, scope, install_time) "
    "VALUES ($1, $2, $3, $4, $5)";
const char kInsertLinks[] =
    "INSERT INTO links (org_id, host_id, package_id, scope, install_time) "
    "SELECT 1, $1, u.* FROM unnest($2::bigint[], $3::text[], $4::bigint[]) "
    "AS u";
const char kUpsertFact[] =
    "INSERT INTO facts VALUES ($1, $2, 'STATUS_OK', $3, $4::jsonb, $5, $3) "
    "ON CONFLICT (host_id, family) DO UPDATE SET collected_at = "
    "excluded.collected_at, payload_json = excluded.payload_json, sha256 = "
    "excluded.sha256, updated_at = excluded.updated_at";
const char kUpsertFacts[] =
    "INSERT INTO facts SELECT $1, u.family, 'STATUS_OK', $2, u.payload, "
    "u.sha256, $2 FROM unnest($3::text[], $4::jsonb[], $5::text[]) AS "
    "u(family, payload, sha256) ON CONFLICT (host_id, family) DO UPDATE SET "
    "collected_at = excluded.collected_at, payload_json = "
    "excluded.payload_json, sha256 = excluded.sha256, updated_at = "
    "excluded.updated_at";
const char kHistory[] =
    "INSERT INTO history VALUES ($1, 'system', $2, $3::jsonb)";

std::string Payload(int host, int family, int round) {
  return "{\"family\":" + std::to_string(family) +
         ",\"host\":" + std::to_string(host) +
         ",\"round\":" + std::to_string(round) + ",\"text\":\"" +
         std::string(120, 'x') + "\"}";
}

std::string ArrayOf(int count, const std::function<std::string(int)>& item,
                    bool quote) {
  std::string out = "{";
  for (int i = 0; i < count; ++i) {
    if (i > 0) out += ',';
    if (quote) {
      out += '"';
      for (char c : item(i)) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
      }
      out += '"';
    } else {
      out += item(i);
    }
  }
  return out + "}";
}

std::string Scope(int i) { return i % 4 == 0 ? "user-1" : ""; }

// --- libpq ------------------------------------------------------------------

void LibpqLinks(const char* url, int hosts) {
  PGconn* c = PQconnectdb(url);
  if (PQstatus(c) != CONNECTION_OK) {
    std::fprintf(stderr, "%s", PQerrorMessage(c));
    std::exit(1);
  }
  const int pid = BackendPid(c);
  Exec(c, kSchema);
  Check(PQprepare(c, "link", kInsertLink, 0, nullptr), "prepare");
  Check(PQprepare(c, "links", kInsertLinks, 0, nullptr), "prepare");
  auto row = [&](int host_base) {
    return [&, host_base](int h) {
      Exec(c, "BEGIN");
      const std::string host = std::to_string(host_base + h);
      for (int i = 0; i < kLinks; ++i) {
        const std::string package = std::to_string(i + 1);
        const std::string scope = Scope(i);
        const std::string time = std::to_string(1'700'000'000 + i);
        const char* v[] = {"1", host.c_str(), package.c_str(), scope.c_str(),
                           time.c_str()};
        Check(PQexecPrepared(c, "link", 5, v, nullptr, nullptr, 0), "link");
      }
      Exec(c, "COMMIT");
    };
  };
  Print("libpq", "row", Time(pid, hosts, row(0)));

  // Pipeline mode: the same statements without a round trip each.
  Print("libpq pipeline", "row", Time(pid, hosts, [&](int h) {
          const std::string host = std::to_string(1'000'000 + h);
          PQenterPipelineMode(c);
          PQsendQueryParams(c, "BEGIN", 0, nullptr, nullptr, nullptr, nullptr,
                            0);
          for (int i = 0; i < kLinks; ++i) {
            const std::string package = std::to_string(i + 1);
            const std::string scope = Scope(i);
            const std::string time = std::to_string(1'700'000'000 + i);
            const char* v[] = {"1", host.c_str(), package.c_str(),
                               scope.c_str(), time.c_str()};
            PQsendQueryPrepared(c, "link", 5, v, nullptr, nullptr, 0);
          }
          PQsendQueryParams(c, "COMMIT", 0, nullptr, nullptr, nullptr, nullptr,
                            0);
          PQpipelineSync(c);
          int results = 0;
          while (results < kLinks + 3) {
            PGresult* r = PQgetResult(c);
            if (r == nullptr) continue;  // end of one statement's results
            Check(r, "pipeline");
            ++results;
          }
          PQexitPipelineMode(c);
        }));

  Print("libpq", "array", Time(pid, hosts, [&](int h) {
          const std::string host = std::to_string(2'000'000 + h);
          const std::string ids = ArrayOf(
              kLinks, [](int i) { return std::to_string(i + 1); }, false);
          const std::string scopes = ArrayOf(kLinks, Scope, true);
          const std::string times = ArrayOf(
              kLinks, [](int i) { return std::to_string(1'700'000'000 + i); },
              false);
          const char* v[] = {host.c_str(), ids.c_str(), scopes.c_str(),
                             times.c_str()};
          Exec(c, "BEGIN");
          Check(PQexecPrepared(c, "links", 4, v, nullptr, nullptr, 0), "arr");
          Exec(c, "COMMIT");
        }));

  Print("libpq", "copy", Time(pid, hosts, [&](int h) {
          const std::string host = std::to_string(3'000'000 + h);
          std::string data;
          data.reserve(kLinks * 40);
          for (int i = 0; i < kLinks; ++i) {
            data += "1\t" + host + "\t" + std::to_string(i + 1) + "\t" +
                    Scope(i) + "\t" + std::to_string(1'700'000'000 + i) + "\n";
          }
          Exec(c, "BEGIN");
          PGresult* r =
              PQexec(c,
                     "COPY links (org_id, host_id, package_id, scope, "
                     "install_time) FROM STDIN");
          if (PQresultStatus(r) != PGRES_COPY_IN) Check(r, "copy");
          PQclear(r);
          PQputCopyData(c, data.data(), static_cast<int>(data.size()));
          PQputCopyEnd(c, nullptr);
          while (PGresult* done = PQgetResult(c)) Check(done, "copy end");
          Exec(c, "COMMIT");
        }));

  // Steady reports: 15 upserts + 1 history row.
  Check(PQprepare(c, "fact", kUpsertFact, 0, nullptr), "prepare");
  Check(PQprepare(c, "history", kHistory, 0, nullptr), "prepare");
  Print("libpq", "steady-row", Time(pid, hosts * 4, [&](int r) {
          const std::string host = std::to_string(r % hosts);
          const std::string at = std::to_string(1'700'000'000 + r);
          Exec(c, "BEGIN");
          for (int f = 0; f < kFamilies; ++f) {
            const std::string family = "f" + std::to_string(f);
            const std::string payload = Payload(r % hosts, f, r);
            const char* v[] = {host.c_str(), family.c_str(), at.c_str(),
                               payload.c_str(), "digest"};
            Check(PQexecPrepared(c, "fact", 5, v, nullptr, nullptr, 0),
                  "upsert");
          }
          const std::string payload = Payload(r % hosts, 0, r);
          const char* hv[] = {host.c_str(), at.c_str(), payload.c_str()};
          Check(PQexecPrepared(c, "history", 3, hv, nullptr, nullptr, 0),
                "history");
          Exec(c, "COMMIT");
        }));
  Check(PQprepare(c, "facts", kUpsertFacts, 0, nullptr), "prepare");
  Print("libpq", "steady-array", Time(pid, hosts * 4, [&](int r) {
          const std::string host = std::to_string(r % hosts);
          const std::string at = std::to_string(1'700'000'000 + r);
          const std::string families = ArrayOf(
              kFamilies, [](int f) { return "f" + std::to_string(f); }, true);
          const std::string payloads = ArrayOf(
              kFamilies, [&](int f) { return Payload(r % hosts, f, r); }, true);
          const std::string digests = ArrayOf(
              kFamilies, [](int) { return "digest"; }, true);
          const char* v[] = {host.c_str(), at.c_str(), families.c_str(),
                             payloads.c_str(), digests.c_str()};
          const std::string payload = Payload(r % hosts, 0, r);
          const char* hv[] = {host.c_str(), at.c_str(), payload.c_str()};
          Exec(c, "BEGIN");
          Check(PQexecPrepared(c, "facts", 5, v, nullptr, nullptr, 0), "facts");
          Check(PQexecPrepared(c, "history", 3, hv, nullptr, nullptr, 0),
                "history");
          Exec(c, "COMMIT");
        }));
  PQfinish(c);
}

// --- libpqxx 6.4 ------------------------------------------------------------

void LibpqxxLinks(const char* url, int hosts) {
  pqxx::connection c(url);
  const int pid = c.backendpid();
  {
    pqxx::work w(c);
    w.exec(kSchema);
    w.commit();
  }
  c.prepare("link", kInsertLink);
  c.prepare("links", kInsertLinks);
  c.prepare("facts", kUpsertFacts);
  c.prepare("fact", kUpsertFact);
  c.prepare("history", kHistory);
  Print("libpqxx", "row", Time(pid, hosts, [&](int h) {
          pqxx::work w(c);
          for (int i = 0; i < kLinks; ++i) {
            w.exec_prepared("link", 1, h, i + 1, Scope(i), 1'700'000'000 + i);
          }
          w.commit();
        }));
  Print("libpqxx", "array", Time(pid, hosts, [&](int h) {
          const std::string ids = ArrayOf(
              kLinks, [](int i) { return std::to_string(i + 1); }, false);
          const std::string scopes = ArrayOf(kLinks, Scope, true);
          const std::string times = ArrayOf(
              kLinks, [](int i) { return std::to_string(1'700'000'000 + i); },
              false);
          pqxx::work w(c);
          w.exec_prepared("links", 2'000'000 + h, ids, scopes, times);
          w.commit();
        }));
  Print("libpqxx", "stream", Time(pid, hosts, [&](int h) {
          pqxx::work w(c);
          pqxx::stream_to stream(
              w, "links",
              std::vector<std::string>{"org_id", "host_id", "package_id",
                                       "scope", "install_time"});
          for (int i = 0; i < kLinks; ++i) {
            stream << std::make_tuple(1, 3'000'000 + h, i + 1, Scope(i),
                                      1'700'000'000 + i);
          }
          stream.complete();
          w.commit();
        }));
  Print("libpqxx", "steady-row", Time(pid, hosts * 4, [&](int r) {
          pqxx::work w(c);
          for (int f = 0; f < kFamilies; ++f) {
            w.exec_prepared("fact", r % hosts, "f" + std::to_string(f),
                            1'700'000'000 + r, Payload(r % hosts, f, r),
                            "digest");
          }
          w.exec_prepared("history", r % hosts, 1'700'000'000 + r,
                          Payload(r % hosts, 0, r));
          w.commit();
        }));
  Print("libpqxx", "steady-array", Time(pid, hosts * 4, [&](int r) {
          const std::string families = ArrayOf(
              kFamilies, [](int f) { return "f" + std::to_string(f); }, true);
          const std::string payloads = ArrayOf(
              kFamilies, [&](int f) { return Payload(r % hosts, f, r); }, true);
          const std::string digests = ArrayOf(
              kFamilies, [](int) { return "digest"; }, true);
          pqxx::work w(c);
          w.exec_prepared("facts", r % hosts, 1'700'000'000 + r, families,
                          payloads, digests);
          w.exec_prepared("history", r % hosts, 1'700'000'000 + r,
                          Payload(r % hosts, 0, r));
          w.commit();
        }));
}

}  // namespace

int main(int argc, char** argv) {
  const char* url = std::getenv("MAMORI_TEST_PG_URL");
  if (url == nullptr) {
    std::fprintf(stderr,
                 "MAMORI_TEST_PG_URL is not set; run under "
                 "scripts/pg-cluster.sh run -- %s\n",
                 argv[0]);
    return 2;
  }
  const int hosts = argc > 1 ? std::atoi(argv[1]) : 100;
  std::printf(
      "%d first reports of %d links, %d steady reports of %d upserts "
      "+ 1 history row; one transaction each\n",
      hosts, kLinks, hosts * 4, kFamilies);
  // Two rounds, alternating, so neither library always meets a cold
  // server: read the second round (a shared machine is noisy; CPU per
  // report is the stable figure, reports/s is wall time on shared cores).
  for (int round = 1; round <= 2; ++round) {
    std::printf("-- round %d\n", round);
    LibpqLinks(url, hosts);
    try {
      LibpqxxLinks(url, hosts);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "libpqxx: %s\n", e.what());
      return 1;
    }
  }
  return 0;
}

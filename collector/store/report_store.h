#pragma once

// ReportStore (#15): what the diagnosis report and the evidence pack read
// beyond the grading store — each endpoint's current facts and the
// questionnaire answers with who and when. No SQLite types here; the SQLite
// backend is collector/store/sqlite_report_store.cpp.
//
// Every call touches only the organisation it is given. A ReportStore is
// used from one thread at a time (it owns one connection).

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace mamori::store {

struct FactFamilyRow {
  std::string family;
  std::string state;                    // CollectionState name, e.g. STATUS_OK
  std::optional<int64_t> collected_at;  // Unix seconds
  std::string payload_json;
  std::string sha256;
};

struct HostFacts {
  int64_t host_id = 0;
  std::string hostname;
  std::vector<FactFamilyRow> families;  // by family name
};

struct AnswerRow {
  std::string questionnaire;  // second_diagnosis, first_diagnosis, ipa
  std::string item;
  std::string answer_json;
  std::string answered_by;
  int64_t answered_at = 0;  // Unix seconds
};

class ReportStore {
 public:
  virtual ~ReportStore() = default;

  // Calls `fn` once per host of `org_id`, in host id order, with the host's
  // current facts (possibly none). Only one host's facts are held at a
  // time. Stops and returns the first error of `fn` or of the database.
  virtual Status ForEachHostFacts(
      int64_t org_id, const std::function<Status(const HostFacts&)>& fn) = 0;

  // The answers in force (not superseded), by questionnaire and item.
  virtual Result<std::vector<AnswerRow>> CurrentAnswers(int64_t org_id) = 0;
};

// Opens the SQLite report store on the collector database at `path` (which
// the collector has migrated). NOT_FOUND when the file is absent.
Result<std::unique_ptr<ReportStore>> OpenSqliteReportStore(
    const std::string& path);

}  // namespace mamori::store

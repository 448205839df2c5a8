#pragma once

// CheckRunner: validates and runs check queries on a collector database.
//
// Validation (at load time): the query must prepare against the fact views,
// be a single read-only statement, return the columns host_id and status,
// and use only the named parameters :org_id (required), :now and the check's
// declared parameters.
//
// Running: each query runs once per organisation; every other column is
// evidence. A host with several rows gets the worst status (fail > error >
// unknown > pass > not_applicable) and that row's evidence. Hosts outside the
// check's platforms or roles are not_applicable; hosts whose platform or role
// is unknown are unknown when the check is limited; hosts the query does not
// return are unknown; a query that fails at run time gives error for every
// host. Hosts that never reported get no result (they count in coverage).
//
// The queries run through the store's CheckQueries port; this class knows
// no database. Thread safety: one CheckRunner per CheckQueries and thread.
// Statements are prepared once and reused (cached by check id and query
// text).

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "collector/grading/grading.h"
#include "collector/policy/policy.h"
#include "collector/store/check_queries.h"
#include "collector/store/grading_port.h"
#include "common/clock.h"
#include "common/status.h"

namespace mamori::policy {

// check id → parameter name → value text.
using ParameterOverrides =
    std::map<std::string, std::map<std::string, std::string>>;

class CheckRunner {
 public:
  // `queries` must outlive the runner.
  explicit CheckRunner(store::CheckQueries& queries) : queries_(queries) {}
  CheckRunner(const CheckRunner&) = delete;
  CheckRunner& operator=(const CheckRunner&) = delete;

  // Returns OK when every query of `set` is valid, else INVALID_ARGUMENT
  // "<file>:<line>: checks[<id>].query: <reason>" for the first bad one.
  Status Validate(const PolicySet& set);

  // Runs every check of `set` for the organisation. `overrides` replace
  // parameter defaults (invalid values fall back to the default and are
  // named in the evidence). Returns one result per reported host and check,
  // or an error when the database itself fails.
  Result<std::vector<grading::CheckResult>> Run(
      const PolicySet& set, int64_t org_id,
      const std::vector<store::GradingHost>& hosts,
      const ParameterOverrides& overrides, TimePoint now);

  // Receives one check's results (one per reported host, in host order);
  // may move them out. A non-OK status stops the run and is returned.
  using CheckSink =
      std::function<Status(const Check&, std::vector<grading::CheckResult>*)>;
  // Like Run, but hands each check's results to `sink` as soon as its query
  // has run, so only one check's results are held at a time.
  Status RunEach(const PolicySet& set, int64_t org_id,
                 const std::vector<store::GradingHost>& hosts,
                 const ParameterOverrides& overrides, TimePoint now,
                 const CheckSink& sink);

 private:
  Status ValidateOne(const Check& check);

  store::CheckQueries& queries_;
};

}  // namespace mamori::policy

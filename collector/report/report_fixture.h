#pragma once

// A synthetic organisation for the report's tests and benchmarks: the
// built-in policies and questionnaires, `hosts` endpoints whose results are
// graded by the real engine (MeasureTechnical, GradeRule, PlanImprovements).
// Host k fails antivirus_definitions_fresh when k % 3 == 0, password
// length when k % 4 == 1, Wi-Fi when k % 5 == 2; everything else passes.
// Not for production code.

#include <memory>
#include <string>

#include "collector/policy/grading_service.h"

namespace mamori::report {

struct Fixture {
  policy::PolicySet policies;
  policy::Questionnaires questionnaires;
  policy::GradeReport report;
};

// `hostile` names hosts with HTML/formula/control characters. With
// `answers` the questionnaires are filled in (some rules written/spread).
std::unique_ptr<Fixture> MakeFixture(const std::string& org, int hosts,
                                     TimePoint now, bool answers = true,
                                     bool hostile = false);

}  // namespace mamori::report

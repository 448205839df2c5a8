#pragma once

// The JSON texts the grading ports store, the same bytes on every backend
// (a result's evidence is compared as text to find changes, so both
// backends must write it identically): check evidence and
// second-diagnosis answers. Pure functions.
//
// Thread safety: no state.

#include <string>
#include <vector>

#include "collector/store/records/check_records.h"

namespace mamori::store {

// [["name","value"],…], byte for byte as nlohmann::json::dump() writes it.
std::string EvidenceJson(const std::vector<grading::Evidence>& evidence);
// EvidenceJson's text back; pairs that are not two strings are skipped.
std::vector<grading::Evidence> ParseEvidence(const std::string& text);

// A second-diagnosis answer as {"written":…,"spread":…,…} and back
// (unknown or mistyped keys read as unanswered).
std::string SecondJson(const grading::ViewpointAnswers& a);
grading::ViewpointAnswers ParseSecond(const std::string& text);

}  // namespace mamori::store

#include "collector/store/records/check_records.h"

namespace mamori::grading {

std::string_view CheckStatusName(CheckStatus status) {
  switch (status) {
    case CheckStatus::kPass:
      return "pass";
    case CheckStatus::kFail:
      return "fail";
    case CheckStatus::kUnknown:
      return "unknown";
    case CheckStatus::kNotApplicable:
      return "not_applicable";
    case CheckStatus::kError:
      return "error";
  }
  return "unknown";
}

std::optional<CheckStatus> ParseCheckStatus(std::string_view text) {
  for (CheckStatus s :
       {CheckStatus::kPass, CheckStatus::kFail, CheckStatus::kUnknown,
        CheckStatus::kNotApplicable, CheckStatus::kError}) {
    if (CheckStatusName(s) == text) return s;
  }
  return std::nullopt;
}

int StatusSeverity(CheckStatus status) {
  switch (status) {
    case CheckStatus::kFail:
      return 4;
    case CheckStatus::kError:
      return 3;
    case CheckStatus::kUnknown:
      return 2;
    case CheckStatus::kPass:
      return 1;
    case CheckStatus::kNotApplicable:
      return 0;
  }
  return 2;
}

int StatusSeverity(std::string_view name) {
  const std::optional<CheckStatus> status = ParseCheckStatus(name);
  return status ? StatusSeverity(*status) : -1;
}

std::string_view SpreadName(Spread spread) {
  switch (spread) {
    case Spread::kUnanswered:
      return "";
    case Spread::kSpread:
      return "spread";
    case Spread::kPartly:
      return "partly";
    case Spread::kNot:
      return "not";
    case Spread::kUnknown:
      return "unknown";
  }
  return "";
}

std::optional<Spread> ParseSpread(std::string_view text) {
  for (Spread s :
       {Spread::kSpread, Spread::kPartly, Spread::kNot, Spread::kUnknown}) {
    if (SpreadName(s) == text) return s;
  }
  return std::nullopt;
}

std::string_view IpaAnswerName(IpaAnswer answer) {
  switch (answer) {
    case IpaAnswer::kDone:
      return "done";
    case IpaAnswer::kPartly:
      return "partly";
    case IpaAnswer::kNotDone:
      return "not_done";
    case IpaAnswer::kDontKnow:
      return "dont_know";
    case IpaAnswer::kNotApplicable:
      return "not_applicable";
  }
  return "not_done";
}

std::optional<IpaAnswer> ParseIpaAnswer(std::string_view text) {
  for (IpaAnswer a : {IpaAnswer::kDone, IpaAnswer::kPartly, IpaAnswer::kNotDone,
                      IpaAnswer::kDontKnow, IpaAnswer::kNotApplicable}) {
    if (IpaAnswerName(a) == text) return a;
  }
  return std::nullopt;
}

}  // namespace mamori::grading

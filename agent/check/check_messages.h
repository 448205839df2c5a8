#pragma once

// The self-check's words for people, one catalogue per language
// (check_messages.cpp). Policy titles, remediation texts and rule names come
// from the policy files themselves (ja and en there). Immutable; thread-safe.

#include <string>
#include <string_view>

#include "collector/selfcheck/local_check.h"

namespace mamori::agent {

struct CheckMessages {
  std::string_view heading;               // first line, before the host name
  std::string_view intro;                 // what was run and what was not asked
  std::string_view evidence;              // label before the evidence rows
  std::string_view remediation;           // label before the remediation text
  std::string_view needs_collector_note;  // why some rules are not judged
  std::string_view topics;                // heading of the trend topics
  std::string_view summary_pass;          // last line per exit code
  std::string_view summary_fail;
  std::string_view summary_unknown;
  std::string_view unknown_platform;  // platform/role not collected
  // The status as a word ("合格", "pass").
  std::string_view Status(selfcheck::LocalStatus status) const;
  std::string_view pass, fail, unknown, not_applicable, error, needs_collector;
};

// The catalogue for `lang` ("ja"; anything else is English).
const CheckMessages& MessagesFor(std::string_view lang);

// "ja" when the locale the environment names (LC_ALL, then LC_MESSAGES,
// then LANG, the first one set and non-empty) is Japanese, else "en"; with
// none set, SystemLanguage().
std::string LanguageFromEnvironment();

// The system's display language as "ja" or "en": Windows, the user's UI
// language (GetUserDefaultUILanguage; a Japanese Windows sets no LANG);
// POSIX, "en" (the environment is the locale there). One file per platform
// (system_language_*.cpp).
std::string SystemLanguage();

}  // namespace mamori::agent

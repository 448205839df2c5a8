#pragma once

// The report's message catalogue: every label a person reads in the HTML and
// PDF reports, in Japanese and English, in one table
// (report_messages.cpp). Keys are stable identifiers; the HTML template reads
// them as {{t.KEY}}. Thread-safe (immutable data).

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mamori::report {

// The text of `key` in `lang` ("ja"; anything else → English). An unknown
// key returns the key itself, so a typo shows on the page instead of a blank.
std::string Msg(std::string_view key, const std::string& lang);

// Every (key, text) pair in `lang`.
std::vector<std::pair<std::string, std::string>> AllMessages(
    const std::string& lang);

// The label of a viewpoint or verdict value ("yes", "partly", "in_place",
// "fail", "open" …) in `lang`: Msg("v_" + value).
std::string ValueText(std::string_view value, const std::string& lang);

}  // namespace mamori::report

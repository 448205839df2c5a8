#include "collector/web/software_view.h"

#include <cctype>
#include <utility>

#include "collector/software/dictionary.h"
#include "common/text.h"

namespace mamori::web {

bool SoftwareViewCache::Fresh(const Slot& slot, TimePoint now) const {
  return slot.snapshot && now - slot.snapshot->computed_at < max_age_;
}

Result<SoftwareViewCache::Snapshot> SoftwareViewCache::Get(int64_t org_id,
                                                           TimePoint now,
                                                           const Build& build) {
  std::shared_ptr<Slot> slot;
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::shared_ptr<Slot>& s = slots_[org_id];
    if (!s) s = std::make_shared<Slot>();
    slot = s;
    if (Fresh(*slot, now)) return *slot->snapshot;
  }
  std::unique_lock<std::mutex> building(slot->build_mu, std::try_to_lock);
  if (!building.owns_lock()) {
    {
      // Another request is rebuilding: the old copy meanwhile.
      std::lock_guard<std::mutex> lock(mu_);
      if (slot->snapshot) return *slot->snapshot;
    }
    building.lock();  // no copy yet: wait for the build under way
  }
  {
    // It may have finished while this request waited.
    std::lock_guard<std::mutex> lock(mu_);
    if (Fresh(*slot, now)) return *slot->snapshot;
  }
  Result<Rows> rows = build();
  if (!rows.ok()) return rows.status();
  Snapshot snapshot{std::make_shared<const Rows>(std::move(rows).value()), now};
  std::lock_guard<std::mutex> lock(mu_);
  slot->snapshot = snapshot;
  return snapshot;
}

namespace {

// The leading number of a version ("137.0.1", "1:128.11.0esr-1"), or -1.
int64_t MajorVersion(std::string_view version) {
  const size_t colon = version.find(':');
  if (colon != std::string_view::npos && colon < version.find('.')) {
    version.remove_prefix(colon + 1);
  }
  int64_t major = -1;
  for (char c : version) {
    if (!std::isdigit(static_cast<unsigned char>(c))) break;
    major = (major < 0 ? 0 : major) * 10 + (c - '0');
    if (major > 1'000'000) return -1;
  }
  return major;
}

bool Contains(std::string_view haystack_lower, std::string_view needle) {
  return haystack_lower.find(ToLowerAscii(needle)) != std::string_view::npos;
}

}  // namespace

std::optional<EndOfSupport> EndOfSupportFor(
    const store::EndOfSupportTable& table, std::string_view name,
    std::string_view version, std::string_view today) {
  const std::string lower = ToLowerAscii(name);
  const bool office = lower.rfind("microsoft office", 0) == 0;
  for (const store::EndOfSupportEntry& e : table.entries) {
    bool match = false;
    if (e.product == "office") {
      // As the office_supported check: the release year in the name.
      match = office && Contains(lower, e.match_key);
    } else if (e.product == "package") {
      match = software::GlobMatches(e.match_key, name);
    }
    if (match) {
      return EndOfSupport{e.label, e.ends_on, e.ends_on < today, e.source, 0};
    }
  }
  for (const store::BrowserMinimum& b : table.browsers) {
    if (!LikeMatches(b.package_pattern, name)) continue;
    const int64_t major = MajorVersion(version);
    if (major >= 0 && major < b.min_major) {
      return EndOfSupport{b.browser, "", true, "", b.min_major};
    }
    return std::nullopt;
  }
  return std::nullopt;
}

bool SoftwareMatches(std::string_view query, std::string_view name,
                     std::string_view label) {
  const std::string haystack = ToLowerAscii(name) + "\n" + ToLowerAscii(label);
  size_t i = 0;
  while (i < query.size()) {
    while (i < query.size() &&
           std::isspace(static_cast<unsigned char>(query[i])))
      ++i;
    size_t end = i;
    while (end < query.size() &&
           !std::isspace(static_cast<unsigned char>(query[end]))) {
      ++end;
    }
    if (end > i && !Contains(haystack, query.substr(i, end - i))) return false;
    i = end;
  }
  return true;
}

bool LikeMatches(std::string_view pattern, std::string_view text) {
  // Iterative wildcard match with one backtrack point (the last '%').
  size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  auto lower = [](char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  };
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '%') {
      star = p++;
      mark = t;
    } else if (p < pattern.size() &&
               (pattern[p] == '_' || lower(pattern[p]) == lower(text[t]))) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '%') ++p;
  return p == pattern.size();
}

}  // namespace mamori::web

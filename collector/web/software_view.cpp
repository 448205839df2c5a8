#include "collector/web/software_view.h"

#include <cctype>
#include <utility>

#include "collector/software/dictionary.h"
#include "common/text.h"

namespace mamori::web {

bool SoftwareViewCache::Fresh(const Slot& slot, TimePoint now) const {
  return slot.snapshot && now - slot.snapshot->computed_at < max_age_;
}

SoftwareViewCache::~SoftwareViewCache() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    jobs_.clear();
  }
  work_cv_.notify_all();
  if (worker_.joinable()) worker_.join();
  // Requests still waiting for a build (none once the API is gone) wake
  // to an error rather than wait for ever.
  built_cv_.notify_all();
}

Result<SoftwareViewCache::Snapshot> SoftwareViewCache::Get(int64_t org_id,
                                                           TimePoint now,
                                                           Build build) {
  std::unique_lock<std::mutex> lock(mu_);
  Slot& slot = slots_[org_id];
  slot.last_asked = ++asked_;
  if (Fresh(slot, now)) return *slot.snapshot;
  if (!slot.queued && !stop_) {
    slot.queued = true;
    jobs_.push_back({org_id, now, std::move(build)});
    if (!worker_.joinable()) worker_ = std::thread([this] { Loop(); });
    work_cv_.notify_one();
  }
  // An old copy now, the new one for later requests.
  if (slot.snapshot) return *slot.snapshot;
  const uint64_t done = slot.builds_done;
  built_cv_.wait(lock, [&] { return slot.builds_done != done || stop_; });
  if (slot.snapshot) return *slot.snapshot;
  if (!slot.last_failure.ok()) return slot.last_failure;
  return UnavailableError("software view: the collector is stopping");
}

void SoftwareViewCache::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    work_cv_.wait(lock, [&] { return stop_ || !jobs_.empty(); });
    if (stop_) return;
    Job job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    Result<Rows> rows = job.build();
    job.build = nullptr;  // what it captured goes before the lock is taken
    lock.lock();
    Slot& slot = slots_[job.org_id];
    slot.queued = false;
    ++slot.builds_done;
    if (rows.ok()) {
      slot.snapshot = Snapshot{
          std::make_shared<const Rows>(std::move(rows).value()), job.now};
      slot.last_failure = Status::Ok();
      DropLeastRecentlyAsked();
    } else {
      slot.last_failure = rows.status();
    }
    built_cv_.notify_all();
  }
}

void SoftwareViewCache::DropLeastRecentlyAsked() {
  size_t kept = 0;
  for (const auto& [id, slot] : slots_) kept += slot.snapshot ? 1 : 0;
  while (kept > max_orgs_) {
    auto oldest = slots_.end();
    for (auto it = slots_.begin(); it != slots_.end(); ++it) {
      if (!it->second.snapshot || it->second.queued) continue;
      if (oldest == slots_.end() ||
          it->second.last_asked < oldest->second.last_asked) {
        oldest = it;
      }
    }
    if (oldest == slots_.end()) return;
    oldest->second.snapshot.reset();
    --kept;
  }
}

std::string EncodeSoftwareCursor(std::string_view name,
                                 std::string_view version) {
  return HexEncode(name) + "-" + HexEncode(version);
}

Result<std::pair<std::string, std::string>> DecodeSoftwareCursor(
    std::string_view text) {
  const Status bad = InvalidArgumentError("cursor: not a cursor of this list");
  const size_t dash = text.find('-');
  if (dash == std::string_view::npos || text.size() > 4096) return bad;
  std::optional<std::string> name = HexDecode(text.substr(0, dash), 2048);
  std::optional<std::string> version = HexDecode(text.substr(dash + 1), 2048);
  if (!name || !version) return bad;
  return std::make_pair(std::move(*name), std::move(*version));
}

bool SoftwareRowBefore(std::string_view a_name, std::string_view a_version,
                       std::string_view b_name, std::string_view b_version) {
  const std::string la = ToLowerAscii(a_name);
  const std::string lb = ToLowerAscii(b_name);
  if (la != lb) return la < lb;
  if (a_version != b_version) return a_version < b_version;
  return a_name < b_name;
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

#include "collector/web/graded_pages.h"

namespace mamori::web {

GradedPages::Claim::~Claim() {
  if (!kept_) pages_.Abandon(org_id_, page_);
}

GradedPages::Lookup GradedPages::Find(int64_t org_id, const std::string& page,
                                      const std::string& grade_key,
                                      TimePoint now) {
  std::lock_guard<std::mutex> lock(mu_);
  Entry& e = entries_[{org_id, page}];
  if (e.doc) {
    const auto age = now - e.built;
    if (e.grade_key == grade_key && age < max_age_ && now >= e.built) {
      return {e.doc, false};
    }
    // Another request is rebuilding it (and has not been at it for a
    // minute, which would mean it failed without saying): the old copy.
    if (e.building_since && now - *e.building_since < std::chrono::minutes(1) &&
        age < kGradedPagesStaleLimit) {
      return {e.doc, true};
    }
  }
  e.building_since = now;
  return {std::nullopt, false};
}

void GradedPages::Keep(int64_t org_id, const std::string& page,
                       const std::string& grade_key, TimePoint now,
                       nlohmann::json doc) {
  std::lock_guard<std::mutex> lock(mu_);
  Entry& e = entries_[{org_id, page}];
  e.grade_key = grade_key;
  e.built = now;
  e.doc = std::move(doc);
  e.building_since.reset();
}

std::optional<nlohmann::json> GradedPages::Fresh(int64_t org_id,
                                                 const std::string& page,
                                                 const std::string& grade_key,
                                                 TimePoint now) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find({org_id, page});
  if (it == entries_.end() || !it->second.doc) return std::nullopt;
  const Entry& e = it->second;
  if (e.grade_key != grade_key || now < e.built || now - e.built >= max_age_) {
    return std::nullopt;
  }
  return e.doc;
}

void GradedPages::Abandon(int64_t org_id, const std::string& page) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find({org_id, page});
  if (it != entries_.end()) it->second.building_since.reset();
}

void GradedPages::NoteBuildTime(int64_t org_id,
                                std::chrono::milliseconds took) {
  std::lock_guard<std::mutex> lock(mu_);
  build_times_[org_id] = took;
}

std::optional<nlohmann::json> GradedPages::Previous(int64_t org_id,
                                                    const std::string& page,
                                                    TimePoint now) {
  std::lock_guard<std::mutex> lock(mu_);
  auto took = build_times_.find(org_id);
  if (took == build_times_.end() ||
      took->second < kGradedPagesBackgroundAfter) {
    return std::nullopt;
  }
  auto it = entries_.find({org_id, page});
  if (it == entries_.end() || !it->second.doc) return std::nullopt;
  const Entry& e = it->second;
  if (now < e.built || now - e.built >= kGradedPagesStaleLimit) {
    return std::nullopt;
  }
  return e.doc;
}

void GradedPages::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.clear();
}

}  // namespace mamori::web

#include "collector/web/graded_pages.h"

#include <string_view>
#include <utility>

#include "common/sha256.h"

namespace mamori::web {

GradedPages::Lookup GradedPages::Find(int64_t org_id, const std::string& page,
                                      const std::string& grade_key,
                                      TimePoint now) {
  std::lock_guard<std::mutex> lock(mu_);
  auto org = orgs_.find(org_id);
  if (org == orgs_.end()) return {};
  auto it = org->second.pages.find(page);
  if (it == org->second.pages.end()) return {};
  const GradedCopy& copy = it->second;
  // A clock that went back makes the copy's age unknown: build anew.
  if (now < copy.built) return {};
  const auto age = now - copy.built;
  if (copy.grade_key == grade_key && age < max_age_) return {copy, false};
  if (age >= kGradedPagesStaleLimit) return {};
  Lookup out{copy, true, false};
  std::optional<TimePoint>& since = org->second.rebuilding_since;
  if (!since || now < *since || now - *since >= kGradedPagesRebuildTimeout) {
    since = now;
    out.rebuild = true;
  }
  return out;
}

std::optional<GradedCopy> GradedPages::Current(int64_t org_id,
                                               const std::string& page,
                                               const std::string& grade_key,
                                               TimePoint now) {
  std::lock_guard<std::mutex> lock(mu_);
  auto org = orgs_.find(org_id);
  if (org == orgs_.end()) return std::nullopt;
  auto it = org->second.pages.find(page);
  if (it == org->second.pages.end()) return std::nullopt;
  const GradedCopy& copy = it->second;
  if (copy.grade_key != grade_key || now < copy.built ||
      now - copy.built >= max_age_) {
    return std::nullopt;
  }
  return copy;
}

uint64_t GradedPages::Generation() {
  std::lock_guard<std::mutex> lock(mu_);
  return generation_;
}

std::optional<GradedCopy> GradedPages::Keep(int64_t org_id,
                                            const std::string& page,
                                            const std::string& grade_key,
                                            TimePoint now, std::string body,
                                            uint64_t generation) {
  GradedCopy copy;
  copy.etag = BodyEtag(body);
  copy.body = std::make_shared<const std::string>(std::move(body));
  copy.grade_key = grade_key;
  copy.built = now;
  std::lock_guard<std::mutex> lock(mu_);
  if (generation != generation_) return std::nullopt;
  OrgPages& org = orgs_[org_id];
  org.pages[page] = copy;
  org.rebuilding_since.reset();
  return copy;
}

void GradedPages::Abandon(int64_t org_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto org = orgs_.find(org_id);
  if (org != orgs_.end()) org->second.rebuilding_since.reset();
}

void GradedPages::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  ++generation_;
  orgs_.clear();
}

std::string BodyEtag(const std::string& body) {
  // 128 bits of the digest: enough to tell two documents apart.
  return "\"" + Sha256Hex(body).substr(0, 32) + "\"";
}

bool EtagMatches(const std::string& if_none_match, const std::string& etag) {
  if (etag.empty()) return false;
  std::string_view rest = if_none_match;
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view()
                                           : rest.substr(comma + 1);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) {
      item.remove_prefix(1);
    }
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) {
      item.remove_suffix(1);
    }
    // A weak validator compares equal for If-None-Match (RFC 9110 13.1.2).
    if (item.rfind("W/", 0) == 0) item.remove_prefix(2);
    if (item == "*" || item == etag) return true;
  }
  return false;
}

}  // namespace mamori::web

#include "collector/web/sessions.h"

#include <algorithm>

#include "collector/pki/crypto.h"

namespace mamori::web {

Session SessionManager::Create(int64_t account_id, const std::string& source) {
  Session s;
  s.id = pki::RandomSecret(32);
  s.csrf_token = pki::RandomSecret(32);
  s.account_id = account_id;
  s.created_at = s.last_used = clock_.Now();
  s.source = source;
  std::lock_guard<std::mutex> lock(mu_);
  if (sessions_.size() >= settings_.max_sessions) {
    auto oldest = std::min_element(
        sessions_.begin(), sessions_.end(), [](const auto& a, const auto& b) {
          return a.second.last_used < b.second.last_used;
        });
    sessions_.erase(oldest);
  }
  Session stored = s;
  stored.id.clear();
  sessions_[pki::Sha256Hex(s.id)] = std::move(stored);
  return s;
}

std::optional<Session> SessionManager::Touch(std::string_view id) {
  if (id.empty() || id.size() > 128) return std::nullopt;
  const std::string key = pki::Sha256Hex(id);
  const TimePoint now = clock_.Now();
  std::lock_guard<std::mutex> lock(mu_);
  auto it = sessions_.find(key);
  if (it == sessions_.end()) return std::nullopt;
  Session& s = it->second;
  if (now - s.last_used > settings_.idle ||
      now - s.created_at > settings_.absolute) {
    sessions_.erase(it);
    return std::nullopt;
  }
  s.last_used = now;
  Session copy = s;
  copy.id = std::string(id);
  return copy;
}

void SessionManager::Remove(std::string_view id) {
  if (id.empty()) return;
  std::lock_guard<std::mutex> lock(mu_);
  sessions_.erase(pki::Sha256Hex(id));
}

void SessionManager::RemoveAccount(int64_t account_id) {
  std::lock_guard<std::mutex> lock(mu_);
  std::erase_if(sessions_, [account_id](const auto& entry) {
    return entry.second.account_id == account_id;
  });
}

size_t SessionManager::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return sessions_.size();
}

const LoginThrottle::Failures* LoginThrottle::Find(
    const std::string& key) const {
  auto it = failures_.find(key);
  if (it == failures_.end()) return nullptr;
  if (clock_.Now() - it->second.last > settings_.window) return nullptr;
  return &it->second;
}

std::chrono::seconds LoginThrottle::WaitFor(const Failures* f, int free) const {
  if (f == nullptr || f->count < free) return std::chrono::seconds(0);
  // 1 s after the allowance is used up, then 2, 4, 8 … up to max_wait.
  const int doublings = std::min(f->count - free, 20);
  const std::chrono::seconds wait = std::min(
      std::chrono::seconds(int64_t{1} << doublings), settings_.max_wait);
  const auto since = clock_.Now() - f->last;
  if (since >= wait) return std::chrono::seconds(0);
  return std::chrono::ceil<std::chrono::seconds>(wait - since);
}

std::chrono::seconds LoginThrottle::Wait(std::string_view account,
                                         std::string_view source) const {
  std::lock_guard<std::mutex> lock(mu_);
  return std::max(WaitFor(Find("a:" + std::string(account)),
                          settings_.free_failures_per_account),
                  WaitFor(Find("s:" + std::string(source)),
                          settings_.free_failures_per_source));
}

void LoginThrottle::Prune(TimePoint now) {
  if (failures_.size() < 10000) return;
  std::erase_if(failures_, [&](const auto& entry) {
    return now - entry.second.last > settings_.window;
  });
}

void LoginThrottle::RecordFailure(std::string_view account,
                                  std::string_view source) {
  const TimePoint now = clock_.Now();
  std::lock_guard<std::mutex> lock(mu_);
  Prune(now);
  for (const std::string& key :
       {"a:" + std::string(account), "s:" + std::string(source)}) {
    Failures& f = failures_[key];
    if (now - f.last > settings_.window) f.count = 0;
    ++f.count;
    f.last = now;
  }
}

void LoginThrottle::RecordSuccess(std::string_view account) {
  std::lock_guard<std::mutex> lock(mu_);
  failures_.erase("a:" + std::string(account));
}

}  // namespace mamori::web

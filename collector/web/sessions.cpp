#include "collector/web/sessions.h"

#include <algorithm>

#include "collector/pki/crypto.h"
#include "common/log.h"

namespace mamori::web {
namespace {

// last_used is written back at most this often: idle expiry is measured in
// minutes, and a write per request would serialise every page view.
constexpr std::chrono::seconds kTouchResolution{30};

Session FromStored(const store::StoredSession& s, std::string_view id) {
  Session out;
  out.id = std::string(id);
  out.account_id = s.account_id;
  out.csrf_token = s.csrf_token;
  out.created_at = s.created_at;
  out.last_used = s.last_used;
  out.source = s.source;
  return out;
}

}  // namespace

Session SessionManager::Create(int64_t account_id, const std::string& source) {
  Session s;
  s.id = pki::RandomSecret(32);
  s.csrf_token = pki::RandomSecret(32);
  s.account_id = account_id;
  s.created_at = s.last_used = clock_.Now();
  s.source = source;
  if (store_ != nullptr) {
    const TimePoint now = s.created_at;
    if (auto pruned = store_->PruneSessions(now - settings_.idle,
                                            now - settings_.absolute);
        !pruned.ok()) {
      MAMORI_LOG(kError) << "sessions: prune failed: "
                         << pruned.status().ToString();
    }
    store::StoredSession stored{pki::Sha256Hex(s.id), account_id,  s.csrf_token,
                                s.created_at,         s.last_used, source};
    if (Status st = store_->CreateSession(stored, settings_.max_sessions);
        !st.ok()) {
      // The cookie then names no session: the next request is anonymous.
      MAMORI_LOG(kError) << "sessions: store failed: " << st.ToString();
    }
    return s;
  }
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
  if (store_ != nullptr) {
    Result<store::StoredSession> found = store_->FindSession(key);
    if (!found.ok()) {
      if (found.status().code() != StatusCode::kNotFound) {
        MAMORI_LOG(kError) << "sessions: read failed: "
                           << found.status().ToString();
      }
      return std::nullopt;
    }
    if (now - found->last_used > settings_.idle ||
        now - found->created_at > settings_.absolute) {
      (void)store_->RemoveSession(key);
      return std::nullopt;
    }
    if (now - found->last_used >= kTouchResolution) {
      if (Status st = store_->TouchSession(key, now); !st.ok()) {
        MAMORI_LOG(kError) << "sessions: touch failed: " << st.ToString();
      }
      found->last_used = now;
    }
    return FromStored(*found, id);
  }
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
  if (store_ != nullptr) {
    if (Status st = store_->RemoveSession(pki::Sha256Hex(id)); !st.ok()) {
      MAMORI_LOG(kError) << "sessions: remove failed: " << st.ToString();
    }
    return;
  }
  std::lock_guard<std::mutex> lock(mu_);
  sessions_.erase(pki::Sha256Hex(id));
}

void SessionManager::RemoveAccount(int64_t account_id) {
  if (store_ != nullptr) {
    if (Status st = store_->RemoveAccountSessions(account_id); !st.ok()) {
      MAMORI_LOG(kError) << "sessions: remove failed: " << st.ToString();
    }
    return;
  }
  std::lock_guard<std::mutex> lock(mu_);
  std::erase_if(sessions_, [account_id](const auto& entry) {
    return entry.second.account_id == account_id;
  });
}

size_t SessionManager::size() const {
  if (store_ != nullptr) {
    Result<int64_t> n = store_->CountSessions();
    return n.ok() ? static_cast<size_t>(*n) : 0;
  }
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

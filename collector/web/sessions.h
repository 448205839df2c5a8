#pragma once

// Server-side console sessions and login throttling. Sessions live in the
// store when one is given (AccountStore's session table: a restart or a
// second collector on the same database keeps them valid, and a logout or
// password change ends them everywhere at once), else in memory. Failed
// login attempts are counted in memory (a restart forgets them).
//
// SessionManager: a session is a random 256-bit id (sent as a cookie; only
// its SHA-256 is kept as the key), the account, a CSRF token, and its times.
// It ends after `idle` without use, `absolute` after login, at logout, or
// when the account's password changes or the account is disabled.
//
// LoginThrottle: counts failed logins per account name and per source
// address; past a free allowance each further failure doubles the wait
// before the next attempt is even checked (capped), and a success clears
// the account's count.
//
// Thread safety: both classes are safe to call from several threads.

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "collector/store/account_store.h"
#include "common/clock.h"

namespace mamori::web {

struct SessionSettings {
  std::chrono::seconds idle{30 * 60};
  std::chrono::seconds absolute{12 * 3600};
  size_t max_sessions = 10000;
};

struct Session {
  std::string id;  // the secret cookie value (only in Create's result)
  int64_t account_id = 0;
  std::string csrf_token;
  TimePoint created_at;
  TimePoint last_used;
  std::string source;
};

class SessionManager {
 public:
  SessionManager(const Clock& clock, SessionSettings settings)
      : clock_(clock), settings_(settings) {}
  // Sessions kept in `store` (it must outlive the manager). The store is the
  // only copy: every Touch reads it, so what another process ended is ended
  // here too. A store error counts as "no session" (logged), never as a
  // valid one.
  SessionManager(const Clock& clock, SessionSettings settings,
                 store::AccountStore* store)
      : clock_(clock), settings_(settings), store_(store) {}

  // A new session with fresh random id and CSRF token. When the table is
  // full the least recently used session ends.
  Session Create(int64_t account_id, const std::string& source);
  // The live session for cookie value `id`, with last_used moved to now;
  // nullopt when unknown, idle too long or past its absolute lifetime (it
  // is removed then).
  std::optional<Session> Touch(std::string_view id);
  // Ends one session (logout). No-op when unknown.
  void Remove(std::string_view id);
  // Ends every session of the account (password change, disable).
  void RemoveAccount(int64_t account_id);
  size_t size() const;

 private:
  const Clock& clock_;
  const SessionSettings settings_;
  store::AccountStore* const store_ = nullptr;
  mutable std::mutex mu_;
  std::map<std::string, Session> sessions_;  // by SHA-256 of the id
};

struct ThrottleSettings {
  int free_failures_per_account = 5;
  int free_failures_per_source = 20;
  std::chrono::seconds max_wait{15 * 60};
  // Failures older than this are forgotten.
  std::chrono::seconds window{60 * 60};
};

class LoginThrottle {
 public:
  LoginThrottle(const Clock& clock, ThrottleSettings settings)
      : clock_(clock), settings_(settings) {}

  // How long the caller must wait before a login for `account` from
  // `source` is checked; zero when it may go ahead now.
  std::chrono::seconds Wait(std::string_view account,
                            std::string_view source) const;
  void RecordFailure(std::string_view account, std::string_view source);
  // Clears the account's failures (the source's stay: one address guessing
  // many accounts keeps its count).
  void RecordSuccess(std::string_view account);

 private:
  struct Failures {
    int count = 0;
    TimePoint last;
  };
  std::chrono::seconds WaitFor(const Failures* f, int free) const;
  const Failures* Find(const std::string& key) const;
  void Prune(TimePoint now);

  const Clock& clock_;
  const ThrottleSettings settings_;
  mutable std::mutex mu_;
  std::map<std::string, Failures> failures_;
};

}  // namespace mamori::web

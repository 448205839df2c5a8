#pragma once

// Logging, set up once per process with InitLogging() and then used through
// the MAMORI_LOG macro. Lines go to stderr as
//   2026-11-23T10:00:00.123Z I mamori-agent] message
// Thread-safe: each line is written with a single locked write.
//
// Never log secrets (tokens, node keys, passwords, private keys): log their
// purpose or a short fingerprint instead.

#include <cstdio>
#include <sstream>
#include <string>
#include <string_view>

namespace mamori {

enum class LogLevel : int { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

// Sets the program name and minimum level. Call once from main(); later calls
// replace the settings. Before it, the level is kInfo and the name "mamori".
void InitLogging(std::string_view program, LogLevel min_level);

// Parses "debug", "info", "warning"/"warn", "error". Returns false on others.
bool ParseLogLevel(std::string_view text, LogLevel* level);

// Sends the log lines to `out` (kept open) instead of stderr; nullptr
// returns to stderr. For a Windows service whose stderr has no file that
// could be reopened (platform::RedirectStderrToFile uses it under Wine).
void SetLogOutput(std::FILE* out);

bool LogEnabled(LogLevel level);
void WriteLogLine(LogLevel level, const std::string& message);

namespace internal {
class LogMessage {
 public:
  explicit LogMessage(LogLevel level) : level_(level) {}
  ~LogMessage() { WriteLogLine(level_, stream_.str()); }
  std::ostringstream& stream() { return stream_; }

 private:
  LogLevel level_;
  std::ostringstream stream_;
};
}  // namespace internal

}  // namespace mamori

// MAMORI_LOG(kInfo) << "stored " << n << " reports";
#define MAMORI_LOG(level)                                 \
  if (!::mamori::LogEnabled(::mamori::LogLevel::level)) { \
  } else                                                  \
    ::mamori::internal::LogMessage(::mamori::LogLevel::level).stream()

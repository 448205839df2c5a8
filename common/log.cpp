#include "common/log.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace mamori {
namespace {

struct LogState {
  std::mutex mu;
  std::string program = "mamori";
  LogLevel min_level = LogLevel::kInfo;
  std::FILE* out = nullptr;  // nullptr: stderr
};

LogState& State() {
  static LogState state;
  return state;
}

char LevelLetter(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return 'D';
    case LogLevel::kInfo:
      return 'I';
    case LogLevel::kWarning:
      return 'W';
    case LogLevel::kError:
      return 'E';
  }
  return '?';
}

}  // namespace

void InitLogging(std::string_view program, LogLevel min_level) {
  LogState& state = State();
  std::lock_guard<std::mutex> lock(state.mu);
  state.program = std::string(program);
  state.min_level = min_level;
}

bool ParseLogLevel(std::string_view text, LogLevel* level) {
  if (text == "debug")
    *level = LogLevel::kDebug;
  else if (text == "info")
    *level = LogLevel::kInfo;
  else if (text == "warning" || text == "warn")
    *level = LogLevel::kWarning;
  else if (text == "error")
    *level = LogLevel::kError;
  else
    return false;
  return true;
}

bool LogEnabled(LogLevel level) {
  LogState& state = State();
  std::lock_guard<std::mutex> lock(state.mu);
  return static_cast<int>(level) >= static_cast<int>(state.min_level);
}

void WriteLogLine(LogLevel level, const std::string& message) {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(
                          now.time_since_epoch())
                          .count() %
                      1000;
  std::tm utc{};
#ifdef _WIN32
  gmtime_s(&utc, &seconds);
#else
  gmtime_r(&seconds, &utc);
#endif
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &utc);
  LogState& state = State();
  std::lock_guard<std::mutex> lock(state.mu);
  std::FILE* out = state.out != nullptr ? state.out : stderr;
  std::fprintf(out, "%s.%03dZ %c %s] %s\n", stamp, static_cast<int>(millis),
               LevelLetter(level), state.program.c_str(), message.c_str());
  std::fflush(out);
}

void SetLogOutput(std::FILE* out) {
  LogState& state = State();
  std::lock_guard<std::mutex> lock(state.mu);
  state.out = out;
}

}  // namespace mamori

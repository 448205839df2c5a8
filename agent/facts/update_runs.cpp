#include "agent/facts/update_runs.h"

#include <algorithm>
#include <array>

#include "agent/facts/updates.h"
#include "common/text.h"

namespace mamori::facts {
namespace {

// Longest command line or log line looked at; longer ones are hostile or
// broken and are skipped rather than tokenised.
constexpr size_t kMaxLine = 64 << 10;

std::string_view BaseName(std::string_view path) {
  const size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

template <size_t N>
bool OneOf(std::string_view word,
           const std::array<std::string_view, N>& words) {
  return std::find(words.begin(), words.end(), word) != words.end();
}

// Options of apt, apt-get and aptitude that take the next word as value.
constexpr std::array<std::string_view, 15> kAptValueOptions = {
    "-o",
    "-c",
    "-t",
    "-a",
    "-F",
    "-w",
    "-S",
    "--option",
    "--config-file",
    "--target-release",
    "--default-release",
    "--host-architecture",
    "--display-format",
    "--width",
    "--sort"};

// Options that make a run install nothing (or not everything).
constexpr std::array<std::string_view, 9> kAptPartialOptions = {
    "-s",      "--simulate", "--dry-run",       "--just-print", "--no-act",
    "--recon", "-d",         "--download-only", "--assume-no"};

constexpr std::array<std::string_view, 4> kAptUpgradeCommands = {
    "upgrade", "full-upgrade", "dist-upgrade", "safe-upgrade"};

// "2025-06-24  14:36:25" (apt writes two spaces) → "2025-06-24 14:36:25";
// empty when malformed.
std::string AptDate(std::string_view value) {
  const auto words = SplitWhitespace(value);
  if (words.size() != 2) return "";
  std::string civil = std::string(words[0]) + " " + std::string(words[1]);
  return ParseCivilTime(civil) ? civil : "";
}

}  // namespace

bool IsCompleteAptCommandline(std::string_view commandline) {
  if (commandline.size() > kMaxLine) return false;
  const auto words = SplitWhitespace(commandline);
  if (words.empty()) return false;
  const std::string_view program = BaseName(words[0]);
  if (program == "unattended-upgrade" || program == "unattended-upgrades") {
    return true;
  }
  if (program != "apt" && program != "apt-get" && program != "aptitude") {
    return false;
  }
  std::vector<std::string_view> positional;
  for (size_t i = 1; i < words.size(); ++i) {
    const std::string_view word = words[i];
    if (OneOf(word, kAptPartialOptions)) return false;
    if (OneOf(word, kAptValueOptions)) {
      ++i;  // its value
      continue;
    }
    if (StartsWith(word, "-")) continue;
    positional.push_back(word);
  }
  return positional.size() == 1 && OneOf(positional[0], kAptUpgradeCommands);
}

std::optional<CompleteRun> LastCompleteAptRun(std::string_view history_log) {
  std::optional<CompleteRun> newest;
  std::string commandline;
  std::string end_date;
  bool error = false;
  bool in_entry = false;
  auto finish = [&]() {
    if (in_entry && !error && !end_date.empty() &&
        IsCompleteAptCommandline(commandline) &&
        (!newest || end_date >= newest->local_time)) {
      newest = CompleteRun{end_date, SanitizeUtf8(Trim(commandline))};
    }
    commandline.clear();
    end_date.clear();
    error = false;
    in_entry = false;
  };
  for (std::string_view line : SplitLines(history_log)) {
    if (line.size() > kMaxLine) {
      // A line no apt writes: the entry it is in cannot be trusted.
      error = true;
      continue;
    }
    if (StartsWith(line, "Start-Date:")) {
      finish();  // an entry without End-Date (apt crashed) stays incomplete
      in_entry = true;
      continue;
    }
    if (!in_entry) continue;
    if (StartsWith(line, "Commandline:")) {
      commandline = std::string(Trim(line.substr(12)));
    } else if (StartsWith(line, "Error:")) {
      error = true;
    } else if (StartsWith(line, "End-Date:")) {
      end_date = AptDate(line.substr(9));
      if (end_date.empty()) error = true;
      finish();
    }
  }
  finish();
  return newest;
}

std::optional<CompleteRun> LastCompleteUnattendedRun(std::string_view log) {
  std::optional<CompleteRun> newest;
  bool in_run = false;
  bool security_allowed = false;
  bool incomplete = false;
  for (std::string_view line : SplitLines(log)) {
    // "2024-02-14 06:25:07,123 INFO message"
    if (line.size() < 25 || line.size() > kMaxLine) continue;
    const std::string civil(line.substr(0, 19));
    if (!ParseCivilTime(civil)) continue;
    std::string_view rest = line.substr(19);
    if (!rest.empty() && rest[0] == ',') {
      const size_t space = rest.find(' ');
      if (space == std::string_view::npos) continue;
      rest = rest.substr(space);
    }
    rest = Trim(rest);
    const size_t space = rest.find(' ');
    const std::string_view level =
        space == std::string_view::npos ? rest : rest.substr(0, space);
    const std::string_view message =
        space == std::string_view::npos ? "" : Trim(rest.substr(space));
    if (StartsWith(message, "Starting unattended upgrades script")) {
      in_run = true;
      security_allowed = false;
      incomplete = false;
      continue;
    }
    if (!in_run) continue;
    if (level == "ERROR" || level == "CRITICAL") incomplete = true;
    const std::string lower = ToLowerAscii(message);
    if (StartsWith(message, "Allowed origins are:")) {
      security_allowed = lower.find("security") != std::string::npos;
    } else if (lower.find("kept back") != std::string::npos ||
               lower.find("upgraded manually") != std::string::npos) {
      incomplete = true;
    } else if (StartsWith(message, "All upgrades installed") ||
               StartsWith(
                   message,
                   "No packages found that can be upgraded unattended")) {
      if (security_allowed && !incomplete &&
          (!newest || civil >= newest->local_time)) {
        newest = CompleteRun{civil, "unattended-upgrades"};
      }
      in_run = false;
    }
  }
  return newest;
}

bool IsCompleteDnfCommandline(std::string_view cmdline) {
  if (cmdline.size() > kMaxLine) return false;
  static constexpr std::array<std::string_view, 14> kValueOptions = {
      "-c",           "--config",
      "--releasever", "--installroot",
      "--enablerepo", "--disablerepo",
      "--repo",       "--repoid",
      "--setopt",     "-d",
      "--debuglevel", "-e",
      "--errorlevel", "--comment"};
  // Restricted to some packages or advisories, or installing nothing.
  static constexpr std::array<std::string_view, 12> kPartial = {
      "-x",           "--exclude",      "--advisory",
      "--advisories", "--cve",          "--cves",
      "--bz",         "--bzs",          "--downloadonly",
      "--assumeno",   "--sec-severity", "--secseverity"};
  static constexpr std::array<std::string_view, 8> kCommands = {
      "upgrade",     "update",     "upgrade-minimal", "update-minimal",
      "distro-sync", "distrosync", "dist-upgrade",    "dsync"};
  std::vector<std::string_view> positional;
  const auto words = SplitWhitespace(cmdline);
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string_view word = words[i];
    const std::string_view name = word.substr(0, word.find('='));
    if (OneOf(name, kPartial)) return false;
    if (OneOf(word, kValueOptions)) {
      ++i;
      continue;
    }
    if (StartsWith(word, "-")) continue;
    positional.push_back(word);
  }
  return positional.size() == 1 && OneOf(positional[0], kCommands);
}

std::optional<DnfTransaction> LastCompleteDnfRun(
    const std::vector<DnfTransaction>& transactions) {
  constexpr int kDone = 1;
  std::optional<DnfTransaction> newest;
  for (const DnfTransaction& t : transactions) {
    if (t.state != kDone || t.end_unix <= 0) continue;
    if (!IsCompleteDnfCommandline(t.cmdline)) continue;
    if (!newest || t.end_unix > newest->end_unix) newest = t;
  }
  return newest;
}

}  // namespace mamori::facts

#include "collector/cli/cli_common.h"

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include "common/text.h"

namespace mamori::collector_cli {

namespace po = boost::program_options;

DataPaths DataPaths::For(const std::string& root) {
  DataPaths p;
  p.root = root;
  p.database = root + "/collector.db";
  p.pki_dir = root + "/pki";
  p.ca_cert = p.pki_dir + "/ca.crt";
  p.ca_key = p.pki_dir + "/ca.key";
  p.server_cert = p.pki_dir + "/server.crt";
  p.server_key = p.pki_dir + "/server.key";
  p.store_url = store::SqliteUrl(p.database);
  return p;
}

DataPaths DataPaths::For(const std::string& root,
                         const std::string& store_url) {
  DataPaths p = For(root);
  if (!store_url.empty()) p.store_url = store_url;
  return p;
}

void AddStoreFlag(po::options_description& options, std::string* store_url) {
  options.add_options()(
      "store", po::value(store_url),
      "the database instead of DIR/collector.db: postgresql://… (a "
      "PostgreSQL 15 database several collectors share) or sqlite:PATH");
}

Result<std::unique_ptr<store::Store>> OpenStore(const DataPaths& paths,
                                                const Clock& clock) {
  if (store::IsPostgresUrl(paths.store_url)) {
    return store::OpenStore(paths.store_url, clock);
  }
  struct stat info {};
  if (paths.store_url == store::SqliteUrl(paths.database) &&
      stat(paths.database.c_str(), &info) != 0) {
    return FailedPreconditionError(
        "no collector database at " + paths.database +
        ": run `mamori-collector init --data " + paths.root + "` first");
  }
  Result<std::unique_ptr<store::Store>> opened =
      store::OpenStore(paths.store_url, clock);
  if (!opened.ok()) return opened.status();
  return std::move(opened).value();
}

std::string DefaultActor() {
  if (const passwd* pw = getpwuid(getuid()); pw != nullptr && pw->pw_name) {
    return pw->pw_name;
  }
  return "uid:" + std::to_string(getuid());
}

std::optional<int> ParseFlags(
    std::string_view command, std::string_view synopsis,
    const po::options_description& options,
    const po::positional_options_description& positional,
    const std::vector<std::string>& args, po::variables_map& vm,
    std::ostream& out, std::ostream& err) {
  po::options_description all;
  all.add(options);
  all.add_options()("help,h", "show this help");
  try {
    po::store(po::command_line_parser(args)
                  .options(all)
                  .positional(positional)
                  .style(po::command_line_style::default_style &
                         ~po::command_line_style::allow_guessing)
                  .run(),
              vm);
    if (vm.count("help") != 0) {
      out << "Usage: mamori-collector " << command << " " << synopsis << "\n\n"
          << all << "\n";
      return kExitOk;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    return UsageError(command, e.what(), err);
  }
  return std::nullopt;
}

int UsageError(std::string_view command, const std::string& message,
               std::ostream& err) {
  err << "mamori-collector " << command << ": " << message << "\n"
      << "Try 'mamori-collector " << command << " --help'.\n";
  return kExitUsage;
}

int RunSubcommand(std::string_view command, std::string_view usage,
                  const std::vector<Subcommand>& table,
                  const std::vector<std::string>& args, std::ostream& out,
                  std::ostream& err) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h" ||
      args[0] == "help") {
    (args.empty() ? err : out) << usage;
    return args.empty() ? kExitUsage : kExitOk;
  }
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  for (const Subcommand& sub : table) {
    if (sub.name == args[0]) return sub.run(rest, out, err);
  }
  return UsageError(
      command, "unknown command \"" + TerminalSafe(args[0]) + "\"; see --help",
      err);
}

int Failure(std::string_view command, const Status& status, std::ostream& err) {
  err << "mamori-collector " << command << ": error: " << status.ToString()
      << "\n";
  return kExitFailure;
}

std::optional<std::chrono::seconds> ParseDuration(std::string_view text) {
  text = Trim(text);
  if (text.size() < 2) return std::nullopt;
  const char unit = text.back();
  std::optional<int64_t> count = ParseInt64(text.substr(0, text.size() - 1));
  if (!count.has_value() || *count <= 0) return std::nullopt;
  int64_t scale = 0;
  switch (unit) {
    case 's':
      scale = 1;
      break;
    case 'm':
      scale = 60;
      break;
    case 'h':
      scale = 3600;
      break;
    case 'd':
      scale = 86400;
      break;
    case 'w':
      scale = 7 * 86400;
      break;
    default:
      return std::nullopt;
  }
  // Cap at 100 years so arithmetic on time points cannot overflow.
  if (*count > 100LL * 365 * 86400 / scale) return std::nullopt;
  return std::chrono::seconds(*count * scale);
}

std::string FormatTime(TimePoint time) {
  const time_t seconds = static_cast<time_t>(ToUnixSeconds(time));
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

Status WriteFileAtomic(const std::string& path, std::string_view content,
                       int mode) {
  const std::string temp = path + ".tmp";
  int fd = open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) {
    return InternalError("cannot write " + temp + ": " + std::strerror(errno));
  }
  fchmod(fd, static_cast<mode_t>(mode));
  size_t written = 0;
  while (written < content.size()) {
    ssize_t n = write(fd, content.data() + written, content.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::string reason = std::strerror(errno);
      close(fd);
      return InternalError("cannot write " + temp + ": " + reason);
    }
    written += static_cast<size_t>(n);
  }
  if (fsync(fd) != 0 || close(fd) != 0) {
    return InternalError("cannot write " + temp + ": " + std::strerror(errno));
  }
  if (rename(temp.c_str(), path.c_str()) != 0) {
    return InternalError("cannot rename " + temp + " to " + path + ": " +
                         std::strerror(errno));
  }
  return Status::Ok();
}

}  // namespace mamori::collector_cli

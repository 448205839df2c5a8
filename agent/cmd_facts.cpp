#include "agent/cmd_facts.h"

#include <filesystem>
#include <ostream>

#include "agent/facts/json_writer.h"
#include "agent/facts/registry.h"
#include "agent/facts/table_format.h"
#include "common/text.h"

namespace mamori::agent {

namespace {

constexpr char kUsage[] =
    "Usage: mamori-agent facts [--root DIR] [--state DIR] [--family NAME]...\n"
    "                          [--format json|table]\n"
    "\n"
    "Collects facts about this machine now and prints them.\n"
    "収集した端末情報を表示します。\n"
    "\n"
    "  --root DIR       read files under DIR (a chroot or mounted image);\n"
    "                   families needing the live kernel report unsupported\n"
    "  --state DIR      reuse and keep results whose inputs did not change\n"
    "                   (pending updates) in DIR, as once and run do with\n"
    "                   theirs; without it everything is computed fresh and\n"
    "                   nothing is written\n"
    "  --family NAME    collect only this family (repeatable; default all)\n"
    "  --format FORMAT  json (proto JSON, proto field names) or table\n"
    "                   (default table)\n"
    "  --help           show this help\n";

struct Options {
  std::string root;
  std::string state;
  std::vector<std::string> families;
  std::string format = "table";
};

// Parses `--name value` and `--name=value`. Returns false (message in
// `error`) on an unknown flag or a missing value; sets `help`.
bool ParseArgs(const std::vector<std::string>& args, Options* opts, bool* help,
               std::string* error) {
  for (size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i];
    std::string value;
    bool has_value = false;
    if (const size_t eq = flag.find('=');
        StartsWith(flag, "--") && eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
      has_value = true;
    }
    if (flag == "--help" || flag == "-h") {
      *help = true;
      return true;
    }
    if (flag != "--root" && flag != "--state" && flag != "--family" &&
        flag != "--format") {
      *error = "unknown argument \"" + SanitizeUtf8(args[i]) + "\"";
      return false;
    }
    if (!has_value) {
      if (i + 1 >= args.size()) {
        *error = flag + " needs a value";
        return false;
      }
      value = args[++i];
    }
    if (flag == "--root") {
      if (value.empty()) {
        *error = "--root needs a directory";
        return false;
      }
      opts->root = value;
    } else if (flag == "--state") {
      if (value.empty()) {
        *error = "--state needs a directory";
        return false;
      }
      opts->state = value;
    } else if (flag == "--family") {
      opts->families.push_back(value);
    } else {
      if (value != "json" && value != "table") {
        *error = "--format must be json or table, not \"" +
                 SanitizeUtf8(value) + "\"";
        return false;
      }
      opts->format = value;
    }
  }
  return true;
}

}  // namespace

int RunFactsCommand(const std::vector<std::string>& args, std::ostream& out,
                    std::ostream& err, const Clock& clock) {
  Options opts;
  bool help = false;
  std::string error;
  if (!ParseArgs(args, &opts, &help, &error)) {
    err << "mamori-agent facts: " << error << "\n\n" << kUsage;
    return 2;
  }
  if (help) {
    out << kUsage;
    return 0;
  }
  facts::GatherContext ctx = opts.root.empty()
                                 ? facts::LiveContext(&clock)
                                 : facts::RootContext(opts.root, &clock);
  if (!opts.state.empty()) {
    std::error_code ec;
    if (!std::filesystem::is_directory(opts.state, ec)) {
      const bool exists = std::filesystem::exists(opts.state, ec);
      err << "mamori-agent facts: --state " << SanitizeUtf8(opts.state)
          << (exists ? ": not a directory\n"
                     : ": does not exist (create it first: mkdir -p DIR)\n");
      return 2;
    }
    ctx.state_dir = opts.state;
  }
  Result<facts::EndpointFacts> collected =
      facts::CollectFamilies(ctx, opts.families);
  if (!collected.ok()) {
    err << "mamori-agent facts: " << collected.status().message() << "\n";
    return 2;
  }
  if (opts.format == "table") {
    out << facts::FormatTable(*collected);
    return 0;
  }
  // The proto3 JSON mapping written from the structs (json_writer.h): the
  // same value MessageToJsonString gives for the wire message (writers_test),
  // so this command needs no protobuf at run time. Byte for byte as protobuf
  // printed it here before, '<' and '>' escaped too (only inside strings).
  const std::string json = facts::ToJson(*collected).dump(1);
  std::string text;
  text.reserve(json.size() + 1);
  for (const char c : json) {
    if (c == '<') {
      text += "\\u003c";
    } else if (c == '>') {
      text += "\\u003e";
    } else {
      text += c;
    }
  }
  text += '\n';
  out << text;
  return 0;
}

}  // namespace mamori::agent

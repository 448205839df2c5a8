// mamori-facts.exe: the portable checker for IT staff. One static
// executable, no install and no collector: it collects this PC's facts with
// the same gatherers as the agent and prints them as JSON (the shape and
// field names of `mamori-agent facts --format json`) or as a table.
// Windows headers: <windows.h> first, then the rest in dependency order.
// clang-format off
#include <windows.h>
#include <shellapi.h>
#include <fcntl.h>
#include <io.h>
// clang-format on

#include <cstdio>
#include <string>
#include <vector>

#include "agent/facts/json_writer.h"
#include "agent/facts/registry.h"
#include "agent/facts/table_format.h"
#include "agent/facts/windows/win_text.h"
#include "agent/facts_exe/self_check.h"
#include "common/text.h"

namespace {

constexpr char kUsage[] =
    "Usage: mamori-facts.exe [--family NAME]... [--format json|table]\n"
    "       mamori-facts.exe --check [--lang ja|en] [--format text|json]\n"
    "\n"
    "Collects facts about this PC now and prints them; nothing is sent.\n"
    "この PC の端末情報を収集して表示します（送信はしません）。\n"
    "\n"
    "  --family NAME    collect only this family (repeatable; default all)\n"
    "  --format FORMAT  json (same fields as mamori-agent facts) or table\n"
    "                   (default table)\n"
    "  --help           show this help\n"
    "\n";

// Writes UTF-8 bytes as they are: binary mode avoids "\r\n" translation,
// and a console gets code page 65001 so Japanese shows correctly.
void WriteOut(FILE* stream, const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stream);
  std::fflush(stream);
}

// The arguments as UTF-8 (main's argv is in the ANSI code page, which would
// mangle a Japanese family name or path).
std::vector<std::string> Arguments() {
  std::vector<std::string> args;
  int argc = 0;
  wchar_t** argv = CommandLineToArgvW(GetCommandLineW(), &argc);
  if (argv == nullptr) return args;
  for (int i = 1; i < argc; ++i) {
    args.push_back(mamori::facts::win::WideToUtf8(argv[i]));
  }
  LocalFree(argv);
  return args;
}

int Usage(const std::string& error) {
  WriteOut(stderr, "mamori-facts: " + error + "\n\n" + kUsage +
                       mamori::facts_exe::SelfCheckUsage());
  return 2;
}

}  // namespace

int main() {
  _setmode(_fileno(stdout), _O_BINARY);
  _setmode(_fileno(stderr), _O_BINARY);
  SetConsoleOutputCP(CP_UTF8);

  std::vector<std::string> families;
  std::string format = "table";
  const std::vector<std::string> args = Arguments();
  for (size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i];
    std::string value;
    bool has_value = false;
    if (const size_t eq = flag.find('=');
        mamori::StartsWith(flag, "--") && eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
      has_value = true;
    }
    if (flag == "--help" || flag == "-h" || flag == "/?") {
      WriteOut(stdout,
               std::string(kUsage) + mamori::facts_exe::SelfCheckUsage());
      return 0;
    }
    if (flag == "--check" && !has_value) {
      // Everything after --check is the self-check's own command line.
      return mamori::facts_exe::RunSelfCheck(std::vector<std::string>(
          args.begin() + static_cast<long>(i) + 1, args.end()));
    }
    if (flag != "--family" && flag != "--format") {
      return Usage("unknown argument \"" + mamori::SanitizeUtf8(args[i]) +
                   "\"");
    }
    if (!has_value) {
      if (i + 1 >= args.size()) return Usage(flag + " needs a value");
      value = args[++i];
    }
    if (flag == "--family") {
      families.push_back(value);
    } else if (value == "json" || value == "table") {
      format = value;
    } else {
      return Usage("--format must be json or table, not \"" +
                   mamori::SanitizeUtf8(value) + "\"");
    }
  }

  const auto ctx = mamori::facts::LiveContext();
  mamori::Result<mamori::facts::EndpointFacts> collected =
      mamori::facts::CollectFamilies(ctx, families);
  if (!collected.ok()) return Usage(collected.status().message());
  if (format == "table") {
    WriteOut(stdout, mamori::facts::FormatTable(*collected));
  } else {
    // One-space indent, as protobuf's JSON printer uses for the agent.
    WriteOut(stdout, mamori::facts::ToJson(*collected).dump(1) + "\n");
  }
  return 0;
}

#include "collector/devices/oui.h"

#include <csv.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <memory>

#include "common/text.h"

namespace mamori::devices {

namespace {

// Makers of PCs and of the network adapters built into PCs, as they appear
// in the registry's organisation names (lower case substrings). Chosen for
// the PCs common in Japanese SMEs; phone, printer, NAS, router and TV makers
// are left out on purpose (an unknown vendor is "not a PC" until an
// administrator says otherwise, never the reverse).
constexpr std::string_view kPcMakers[] = {
    "dell inc",
    "lenovo",
    "lcfc(hefei)",  // Lenovo's laptop ODM
    "hewlett packard",
    "hp inc",
    "fujitsu",
    "nec personal computers",
    "dynabook",
    "toshiba client solutions",
    "panasonic connect",
    "panasonic corporation",
    "vaio corporation",
    "asustek",
    "acer incorporated",
    "micro-star",
    "giga-byte",
    "asrock",
    "microsoft corporation",
    "apple, inc",
    "apple inc",
    "intel corporate",
    "mouse computer",
    "wistron",
    "quanta computer",
    "compal",
    "pegatron",
    "realtek semiconductor",
    "liteon",
    "azurewave",
};

bool IsHex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isxdigit(static_cast<unsigned char>(c)) != 0;
  });
}

struct CsvReader {
  std::vector<std::string> fields;
  std::vector<std::vector<std::string>> records;
  bool too_many = false;
};

void OnField(void* data, size_t len, void* context) {
  auto* r = static_cast<CsvReader*>(context);
  if (r->fields.size() < 8) {
    r->fields.emplace_back(static_cast<const char*>(data),
                           std::min<size_t>(len, 4096));
  }
}

void OnRecord(int, void* context) {
  auto* r = static_cast<CsvReader*>(context);
  if (r->records.size() >= 200000) {
    r->too_many = true;
    r->fields.clear();
    return;
  }
  r->records.push_back(std::move(r->fields));
  r->fields.clear();
}

}  // namespace

bool IsPcMaker(std::string_view organization) {
  std::string lower(organization);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  });
  return std::any_of(
      std::begin(kPcMakers), std::end(kPcMakers),
      [&](std::string_view m) { return lower.find(m) != std::string::npos; });
}

Result<std::vector<VendorAssignment>> ParseIeeeCsv(std::string_view text,
                                                   std::string_view file) {
  const std::string where(file);
  csv_parser parser;
  if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI) != 0) {
    return InternalError("csv_init failed");
  }
  std::unique_ptr<csv_parser, void (*)(csv_parser*)> guard(&parser, csv_free);
  CsvReader reader;
  if (csv_parse(&parser, text.data(), text.size(), OnField, OnRecord,
                &reader) != text.size() ||
      csv_fini(&parser, OnField, OnRecord, &reader) != 0) {
    return InvalidArgumentError(
        where + " record " + std::to_string(reader.records.size() + 1) +
        ": malformed CSV (" + csv_strerror(csv_error(&parser)) + ")");
  }
  if (reader.too_many) {
    return InvalidArgumentError(where + ": more than 200,000 records");
  }
  if (reader.records.empty() || reader.records[0].size() < 3 ||
      reader.records[0][0] != "Registry" ||
      reader.records[0][1] != "Assignment") {
    return InvalidArgumentError(
        where +
        " record 1: not an IEEE registry file (want the header "
        "\"Registry,Assignment,Organization Name,...\")");
  }
  std::vector<VendorAssignment> out;
  out.reserve(reader.records.size());
  for (size_t i = 1; i < reader.records.size(); ++i) {
    const auto& rec = reader.records[i];
    const std::string at = where + " record " + std::to_string(i + 1);
    if (rec.size() < 3) {
      return InvalidArgumentError(at + ": fewer than 3 fields");
    }
    std::string prefix = rec[1];
    if ((prefix.size() != 6 && prefix.size() != 7 && prefix.size() != 9) ||
        !IsHex(prefix)) {
      return InvalidArgumentError(at + ": assignment \"" +
                                  TerminalSafe(prefix.substr(0, 40)) +
                                  "\" is not 6, 7 or 9 hex digits");
    }
    std::transform(prefix.begin(), prefix.end(), prefix.begin(), [](char c) {
      return static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    });
    const std::string org(Trim(rec[2]));
    if (!IsValidUtf8(org) || org.size() > 512) {
      return InvalidArgumentError(
          at + ": organisation name is not UTF-8 or longer than 512 bytes");
    }
    out.push_back({std::move(prefix), org, IsPcMaker(org)});
  }
  return out;
}

VendorRegistry VendorRegistry::FromAssignments(
    std::vector<VendorAssignment> list) {
  VendorRegistry r;
  r.assignments_ = std::move(list);
  for (size_t i = 0; i < r.assignments_.size(); ++i) {
    r.by_prefix_.emplace(r.assignments_[i].prefix, i);
  }
  return r;
}

namespace {

constexpr const char* kRegistryFiles[] = {"oui.csv", "mam.csv", "oui36.csv",
                                          "iab.csv"};

std::string FileSignature(const std::string& dir, const char* name) {
  struct stat st {};
  if (::stat((dir + "/" + name).c_str(), &st) != 0) return {};
  return std::string(name) + ":" + std::to_string(st.st_size) + ":" +
         std::to_string(st.st_mtime) + ";";
}

}  // namespace

std::string RegistrySignature(const std::string& dir) {
  if (FileSignature(dir, "oui.csv").empty()) return {};
  std::string out;
  for (const char* name : kRegistryFiles) out += FileSignature(dir, name);
  return out;
}

Result<VendorRegistry> VendorRegistry::Load(const std::string& dir) {
  std::vector<VendorAssignment> all;
  std::string signature;
  for (const char* name : kRegistryFiles) {
    const std::string path = dir + "/" + name;
    const std::string file_signature = FileSignature(dir, name);
    if (file_signature.empty()) {
      if (std::string_view(name) == "oui.csv") {
        return NotFoundError(path +
                             " is missing: install Debian's ieee-data "
                             "package to name the vendors of devices");
      }
      continue;
    }
    auto text = ReadFile(path, 64u << 20);
    if (!text.ok()) return text.status();
    auto parsed = ParseIeeeCsv(*text, path);
    if (!parsed.ok()) return parsed.status();
    std::move(parsed->begin(), parsed->end(), std::back_inserter(all));
    signature += file_signature;
  }
  VendorRegistry r = FromAssignments(std::move(all));
  r.signature_ = std::move(signature);
  return r;
}

std::optional<VendorAssignment> VendorRegistry::Lookup(
    std::string_view mac) const {
  const std::optional<MacInfo> info = ParseMac(mac);
  if (!info || info->locally_administered || info->group) return std::nullopt;
  std::string hex;
  for (char c : info->mac) {
    if (c != ':') {
      hex += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
  }
  for (size_t len : {9u, 7u, 6u}) {
    auto it = by_prefix_.find(std::string_view(hex).substr(0, len));
    if (it != by_prefix_.end()) return assignments_[it->second];
  }
  return std::nullopt;
}

}  // namespace mamori::devices

#pragma once

// The IEEE registration authority's MAC address assignments (Debian's
// ieee-data: /usr/share/ieee-data/{oui,mam,oui36,iab}.csv) as a lookup from a
// MAC to the organisation it was assigned to, and the few facts about a MAC
// that need no registry: locally administered (randomised by phones and
// Windows' "random hardware addresses", or set by hand) and group
// (multicast). Used by the collector to name the vendors of the devices its
// agents' neighbour tables show (issue #20). A vendor name is a hint shown to
// people and used to guess "looks like a PC"; it is never an identity: any
// device can claim any MAC.
//
// Thread safety: a loaded VendorRegistry is immutable and may be shared.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace mamori::devices {

// Debian's location of the registry files.
inline constexpr std::string_view kIeeeDataDir = "/usr/share/ieee-data";

// One assignment: the MAC prefix as upper-case hex without separators (6
// digits for MA-L/OUI, 7 for MA-M, 9 for MA-S/OUI-36/IAB) and the
// organisation's name as registered.
struct VendorAssignment {
  std::string prefix;
  std::string organization;
  // The organisation makes PCs or the network adapters built into them
  // (IsPcMaker).
  bool pc_maker = false;
};

// Parses one registry CSV ("Registry,Assignment,Organization Name,Organization
// Address", RFC 4180 quoting). `file` names the file in errors. Returns the
// assignments in file order; INVALID_ARGUMENT naming the file and record for
// a malformed CSV, a header that is not the registry's, an assignment that is
// not 6, 7 or 9 hex digits, an organisation name that is not UTF-8 or longer
// than 512 bytes.
Result<std::vector<VendorAssignment>> ParseIeeeCsv(std::string_view text,
                                                   std::string_view file);

// What a MAC says about itself.
struct MacInfo {
  // Lower case "aa:bb:cc:dd:ee:ff".
  std::string mac;
  // The U/L bit: the address was not assigned by the IEEE (randomised or
  // set by hand); no vendor can be named.
  bool locally_administered = false;
  // The I/G bit: a multicast or broadcast address, not a device.
  bool group = false;
};
// Parses "aa:bb:cc:dd:ee:ff", "AA-BB-CC-DD-EE-FF" or "aabb.ccdd.eeff";
// nullopt for anything else.
std::optional<MacInfo> ParseMac(std::string_view text);

// True when `organization` is a maker of PCs or of the network adapters
// built into them (Dell, Lenovo and its laptop ODM LCFC, HP, Fujitsu, NEC,
// Dynabook/Toshiba, Panasonic, VAIO, ASUS, Acer, MSI, Gigabyte, ASRock,
// Microsoft, Apple, Intel, …: the list in oui.cpp, documented in
// docs/policies.md). Case-insensitive. A phone or printer maker is not one.
bool IsPcMaker(std::string_view organization);

// Names, sizes and modification times of the registry files in `dir`, as
// VendorRegistry::signature() gives them after a load; "" when oui.csv is
// absent. Cheap (no file is read): it decides whether to load at all.
std::string RegistrySignature(const std::string& dir);

class VendorRegistry {
 public:
  // Loads oui.csv, mam.csv, oui36.csv and iab.csv from `dir` (each file that
  // exists; at least oui.csv must). Returns the registry; NOT_FOUND naming
  // oui.csv when it is absent (install ieee-data); the parse error of a
  // broken file.
  static Result<VendorRegistry> Load(const std::string& dir);
  // A registry of the given assignments (tests).
  static VendorRegistry FromAssignments(std::vector<VendorAssignment> list);

  // The assignment with the longest prefix matching `mac`; nullopt when
  // none does, when the MAC does not parse or is locally administered or a
  // group address.
  std::optional<VendorAssignment> Lookup(std::string_view mac) const;

  // Every assignment, longest prefixes first within a MAC's candidates
  // (the store keeps a copy for check queries).
  const std::vector<VendorAssignment>& assignments() const {
    return assignments_;
  }
  // Identifies the files loaded (names, sizes, modification times): the
  // store's copy is refreshed only when it changes.
  const std::string& signature() const { return signature_; }

 private:
  std::vector<VendorAssignment> assignments_;
  std::map<std::string, size_t, std::less<>> by_prefix_;
  std::string signature_;
};

}  // namespace mamori::devices

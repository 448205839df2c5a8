// The `antivirus` family on Windows. Security Center (ROOT\SecurityCenter2)
// lists every registered product with its productState; Defender's own WMI
// class gives the signature time, so the definitions age is exact; on
// Windows Server, which has no Security Center, Defender's registry keys
// stand in. On a client, a Security Center failure is the family's status:
// without it no list is complete, so zero products must not read as "none".
#include "agent/facts/antivirus.h"

// Windows headers: <windows.h> first, then the rest in dependency order.
// clang-format off
#include <windows.h>
// clang-format on

#include "agent/facts/decode/security_center.h"
#include "agent/facts/decode/windows_release.h"
#include "agent/facts/decode/windows_time.h"
#include "agent/facts/windows/registry_key.h"
#include "agent/facts/windows/system_parts.h"
#include "agent/facts/windows/win_error.h"
#include "agent/facts/windows/wmi.h"

namespace mamori::facts {

namespace {

constexpr char kDefenderName[] = "Microsoft Defender Antivirus";

void SetAge(TimePoint updated, const GatherContext& ctx, AntivirusProduct* p) {
  p->definitions_updated_at = updated;
  p->definitions_age_hours = win::SignatureAgeHours(updated, ctx.clock->Now());
}

CollectionStatus ReadSecurityCenter(std::vector<AntivirusProduct>* out) {
  win::WmiSession wmi;
  CollectionStatus s = wmi.Connect("ROOT\\SecurityCenter2");
  if (!s.ok()) return s;
  std::vector<win::WmiRow> rows;
  s = wmi.Query("SELECT displayName, productState FROM AntiVirusProduct",
                {"displayName", "productState"}, &rows);
  if (!s.ok()) return s;
  for (const win::WmiRow& row : rows) {
    AntivirusProduct p;
    p.name = row.String("displayName").value_or("");
    p.source = "SecurityCenter2";
    const auto state = row.Int("productState");
    if (state) {
      p.product_state = static_cast<uint32_t>(*state);
      const win::DecodedProductState decoded =
          win::DecodeProductState(p.product_state);
      p.enabled = decoded.enabled;
      p.definitions_up_to_date = decoded.definitions_up_to_date;
      if (decoded.windows_owned) p.vendor = "Microsoft";
    }
    out->push_back(std::move(p));
  }
  return OkStatus();
}

// Defender's MSFT_MpComputerStatus. Returns its status; fills *defender.
CollectionStatus ReadDefenderWmi(const GatherContext& ctx,
                                 AntivirusProduct* defender) {
  win::WmiSession wmi;
  CollectionStatus s = wmi.Connect("ROOT\\Microsoft\\Windows\\Defender");
  if (!s.ok()) return s;
  std::vector<win::WmiRow> rows;
  s = wmi.Query(
      "SELECT AntivirusEnabled, RealTimeProtectionEnabled, "
      "AntivirusSignatureLastUpdated, AntivirusSignatureVersion, "
      "AMEngineVersion FROM MSFT_MpComputerStatus",
      {"AntivirusEnabled", "RealTimeProtectionEnabled",
       "AntivirusSignatureLastUpdated", "AntivirusSignatureVersion",
       "AMEngineVersion"},
      &rows);
  if (!s.ok()) return s;
  if (rows.empty()) {
    return UnsupportedStatus("MSFT_MpComputerStatus returned no instance");
  }
  const win::WmiRow& row = rows.front();
  defender->enabled = row.Bool("AntivirusEnabled");
  defender->realtime_protection = row.Bool("RealTimeProtectionEnabled");
  defender->definitions_version =
      row.String("AntivirusSignatureVersion").value_or("");
  defender->engine_version = row.String("AMEngineVersion").value_or("");
  if (auto text = row.String("AntivirusSignatureLastUpdated")) {
    if (auto updated = win::ParseCimDatetime(*text); updated.ok()) {
      SetAge(*updated, ctx, defender);
    }
  }
  defender->source = "MSFT_MpComputerStatus";
  return OkStatus();
}

// Defender's registry keys (Windows Server, or when its WMI is missing).
// Returns OK with *found false when Defender is not installed.
CollectionStatus ReadDefenderRegistry(const GatherContext& ctx,
                                      AntivirusProduct* defender, bool* found) {
  *found = false;
  win::RegKey signatures;
  CollectionStatus s = win::RegKey::Open(
      HKEY_LOCAL_MACHINE,
      "SOFTWARE\\Microsoft\\Windows Defender\\Signature Updates",
      win::RegView::k64, &signatures);
  if (!s.ok() || !signatures.valid()) return s;
  *found = true;
  std::optional<std::string> text;
  if (signatures.GetString("AVSignatureVersion", &text).ok() && text) {
    defender->definitions_version = *text;
  }
  if (signatures.GetString("EngineVersion", &text).ok() && text) {
    defender->engine_version = *text;
  }
  std::optional<std::string> bytes;
  if (signatures.GetBinary("SignaturesLastUpdated", &bytes).ok() && bytes) {
    if (auto updated = win::FiletimeFromBytes(*bytes);
        updated.ok() && *updated) {
      SetAge(**updated, ctx, defender);
    }
  }
  // Policy switches that turn Defender off; absent means not disabled by
  // policy, which alone does not prove it runs, so `enabled` stays unset.
  std::optional<uint32_t> disabled;
  win::RegKey policy;
  if (win::RegKey::Open(HKEY_LOCAL_MACHINE,
                        "SOFTWARE\\Policies\\Microsoft\\Windows Defender",
                        win::RegView::k64, &policy)
          .ok() &&
      policy.GetDword("DisableAntiSpyware", &disabled).ok() && disabled == 1u) {
    defender->enabled = false;
  }
  defender->source = "registry";
  return OkStatus();
}

}  // namespace

AntivirusFacts GatherAntivirus(const GatherContext& ctx) {
  AntivirusFacts facts;
  win::ComScope com;
  if (!com.status().ok()) {
    facts.status = com.status();
    return facts;
  }
  win::CurrentVersionValues cv;
  const bool server = win::ReadCurrentVersion(&cv).ok() &&
                      win::IsServerInstall(cv.edition_id, cv.installation_type);

  const CollectionStatus center = ReadSecurityCenter(&facts.products);
  AntivirusProduct defender;
  defender.name = kDefenderName;
  defender.vendor = "Microsoft";
  CollectionStatus defender_status = ReadDefenderWmi(ctx, &defender);
  bool defender_found = defender_status.ok();
  if (!defender_found) {
    bool in_registry = false;
    if (ReadDefenderRegistry(ctx, &defender, &in_registry).ok() &&
        in_registry) {
      defender_found = true;
    }
  }
  if (defender_found) {
    // Merge with Security Center's Defender entry when there is one.
    AntivirusProduct* entry = nullptr;
    for (AntivirusProduct& p : facts.products) {
      if (p.vendor == "Microsoft") entry = &p;
    }
    if (entry == nullptr) {
      facts.products.push_back(defender);
    } else {
      if (defender.enabled) entry->enabled = defender.enabled;
      entry->realtime_protection = defender.realtime_protection;
      entry->definitions_version = defender.definitions_version;
      entry->engine_version = defender.engine_version;
      entry->definitions_updated_at = defender.definitions_updated_at;
      entry->definitions_age_hours = defender.definitions_age_hours;
      entry->source += "+" + defender.source;
    }
  }

  if (!center.ok() && !server) {
    // Clients always have Security Center; without it the list is partial.
    facts.status = center;
  } else if (!center.ok() && !defender_found) {
    facts.status = defender_status.error_code != 0 ? defender_status : center;
  } else {
    facts.status = OkStatus();
  }
  return facts;
}

}  // namespace mamori::facts

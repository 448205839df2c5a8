#pragma once

// The security a BSS offers, decoded from the information elements of its
// beacon / probe response (the bytes nl80211 reports as
// NL80211_BSS_INFORMATION_IES) and the privacy bit of its capability field.
// Pure and thread-safe; no platform headers (built by the mingw build too).
//
// Elements read (IEEE 802.11-2020 9.4.2.24, Wi-Fi Alliance WPA):
//   RSN element (ID 48): version 1, group cipher, pairwise cipher list, AKM
//     suite list, RSN capabilities; suite selectors 00-0F-AC:n.
//   WPA vendor element (ID 221, 00-50-F2 type 1): the same layout with
//     selectors 00-50-F2:n (WPA "version 1").
//
// Rating (the weakest thing the BSS accepts, because that is what an
// attacker who can talk to it or imitate it gets):
//   no RSN, no WPA element: privacy bit → WEP, else open;
//   WPA element present → WPA (WPA/WPA2 mixed mode is WPA);
//   any WEP pairwise or group cipher (pre-RSNA "TSN") → WEP;
//   otherwise the weakest AKM offered: 00-0F-AC:1/3/5/14-17/23 → WPA2
//   enterprise, :2/4/6/19/20 → WPA2 personal, :8/9/24/25 SAE → WPA3
//   personal, :11/12/13 suite-B → WPA3 enterprise, :18 → OWE, DPP
//   (50-6F-9A:2) → WPA3 personal. PSK + SAE (WPA3 transition mode) is
//   therefore WPA2: the PSK handshake stays open to offline dictionary
//   attacks on the shared passphrase whatever this station negotiated.
//   At equal strength personal is reported before enterprise (a shared key
//   is the weaker credential). TDLS (:7), APPeerKey (:10) and PASN (:21)
//   do not admit a station to the BSS and are skipped.
//
// Anything the decoder cannot vouch for gives security kUnspecified with
// `error` set, never a rating: a truncated element list, an element longer
// than the data, more than one RSN or WPA element, an RSN/WPA version other
// than 1, an element ending before its AKM list (the standard's defaults for
// absent fields are not assumed), a zero or oversized suite count, an AKM
// selector this table does not know, no usable AKM, an RSN/WPA element on
// a BSS without the privacy bit, no SSID element at all (not a beacon or
// probe-response body), or a missing capability field when there is no
// RSN/WPA element.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "agent/facts/wifi.h"

namespace mamori::facts {

struct BssSecurity {
  WifiSecurity security = WifiSecurity::kUnspecified;
  bool enterprise = false;
  // Pairwise ciphers offered, strongest element first: "CCMP", "CCMP,TKIP",
  // "WEP"; an unknown selector as "00-0f-ac:3". Empty for open networks.
  std::string cipher;
  // AKM suites offered, for evidence and messages: "PSK,SAE", "WPA-PSK".
  std::string akm;
  // Why security is kUnspecified; empty when it was determined.
  std::string error;
};

// Decodes `ies` (the concatenated elements, each ID, length, body).
// `privacy` is bit 4 of the capability information field; nullopt when the
// capability field was not reported.
BssSecurity DecodeBssSecurity(std::string_view ies,
                              std::optional<bool> privacy);

// The SSID element (ID 0) of `ies`, nullopt when absent or the list is
// malformed. Raw bytes (may be empty for a hidden network).
std::optional<std::string> SsidFromIes(std::string_view ies);

}  // namespace mamori::facts

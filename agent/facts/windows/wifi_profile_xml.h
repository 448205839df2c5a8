#pragma once

// Extracts the values decode/wlan.h maps from a WLAN profile XML document
// (the WLANProfile schema of WlanGetProfile), using the Windows XmlLite
// reader. Thread-safe; needs COM-free XmlLite only.

#include <string>

#include "agent/facts/decode/wlan.h"
#include "agent/facts/types.h"

namespace mamori::facts::win {

// Parses `xml` (UTF-16, NUL-terminated) and fills *out with name,
// SSIDConfig/SSID/name, SSIDConfig/nonBroadcast, connectionMode and
// MSM/security/authEncryption/{authentication,encryption,useOneX}. Returns
// an error status (with the XmlLite HRESULT) on malformed XML, OK otherwise;
// elements not present stay "".
CollectionStatus ParseWlanProfileXml(const wchar_t* xml,
                                     WlanProfileValues* out);

}  // namespace mamori::facts::win

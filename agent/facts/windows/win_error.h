#pragma once

// Windows failures → CollectionStatus. Every gatherer reports an OS error
// through these so the status carries the Win32 error or HRESULT in
// `error_code` (as the unsigned 32-bit value, e.g. 0x8004100E = 2147749902)
// and a message naming what failed. Thread-safe.
//
// Mapping of the state:
//   access denied (ERROR_ACCESS_DENIED, E_ACCESSDENIED, WBEM_E_ACCESS_DENIED)
//       → STATUS_PERMISSION_DENIED
//   the source does not exist here (WBEM_E_INVALID_NAMESPACE/CLASS, E_NOTIMPL,
//   REGDB_E_CLASSNOTREG, ERROR_CALL_NOT_IMPLEMENTED,
//   ERROR_SERVICE_DOES_NOT_EXIST)
//       → STATUS_UNSUPPORTED
//   anything else → STATUS_ERROR

#include <cstdint>
#include <string>
#include <string_view>

#include "agent/facts/types.h"

namespace mamori::facts::win {

// Returns a status for the Win32 error `code` returned by `what`
// ("RegOpenKeyExW HKLM\\..."): "<what>: <system text> (Win32 error N)".
CollectionStatus Win32Status(std::string_view what, uint32_t code);

// Returns a status for the failed HRESULT `hr` returned by `what`:
// "<what>: <name or system text> (HRESULT 0x8004100E)".
CollectionStatus HresultStatus(std::string_view what, long hr);

// Returns the symbolic name of common WMI/COM HRESULTs
// ("WBEM_E_INVALID_NAMESPACE"), or the system message, or "".
std::string HresultText(long hr);

// True when running under Wine (ntdll exports wine_get_version). Used only to
// explain results in messages and to skip real-Windows-only tests.
bool RunningUnderWine();

}  // namespace mamori::facts::win

#pragma once

// Listening sockets on Windows from GetExtendedTcpTable / GetExtendedUdpTable
// with each owner's image name: shared by the remote_access family (all of
// them) and service_exposure (TCP only). Thread-safe (no shared state).

#include <vector>

#include "agent/facts/remote_access.h"
#include "agent/facts/types.h"

namespace mamori::facts::win {

// Appends the TCP listeners (IPv4 and IPv6) and, when `include_udp`, the bound
// UDP sockets (IPv4) to `out`. Returns OK, or the Win32 error of the table
// call that failed.
CollectionStatus ReadListeningSockets(bool include_udp,
                                      std::vector<ListeningSocket>* out);

}  // namespace mamori::facts::win

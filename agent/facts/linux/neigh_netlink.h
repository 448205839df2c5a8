#pragma once

// The kernel's neighbour table through rtnetlink: an RTM_GETNEIGH dump
// (IPv4 ARP and IPv6 neighbour discovery in one request), read without
// sending anything on the network, and its pure parser. Thread-safe (no
// shared state).

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "agent/facts/neighbours.h"
#include "common/status.h"

namespace mamori::facts::linux_util {

// Replies larger than this are refused (a table of 4,096 entries is about
// 0.4 MiB).
inline constexpr size_t kMaxNeighbourDumpBytes = 32u << 20;

// Returns the raw bytes of the dump's replies (netlink messages back to
// back, NLMSG_DONE included). Errors: UNAVAILABLE naming the call for a
// socket/send/recv failure or a netlink error (PERMISSION_DENIED for EPERM
// and EACCES); OUT_OF_RANGE beyond kMaxNeighbourDumpBytes.
Result<std::string> DumpNeighbourTable();

// Parses dump bytes as DumpNeighbourTable returns them: every RTM_NEWNEIGH
// message of family AF_INET or AF_INET6 becomes an entry (address, MAC when
// it is 6 bytes, the interface named by `interface_names` or "if<index>",
// state from the NUD bits, router from NTF_ROUTER); other families (bridge
// FDB) are skipped. Truncated or malformed messages and attributes are
// skipped, never read past. Returns the entries; DATA_LOSS when the bytes
// end without NLMSG_DONE; the error of an NLMSG_ERROR message as
// UNAVAILABLE naming its errno.
Result<std::vector<Neighbour>> ParseNeighbourDump(
    std::string_view bytes, const std::map<int, std::string>& interface_names);

// The family's state for the kernel's NUD_* bits (the most telling bit
// first: permanent, noarp, reachable, delay, probe, stale, failed,
// incomplete).
NeighbourState StateFromNud(uint16_t nud);

}  // namespace mamori::facts::linux_util

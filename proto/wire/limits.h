#pragma once

// Limits both programs agree on (part of the wire contract, library
// mamori_wire).
//
// kMaxReportBytes is the collector's default limit on one Report message
// (`serve --max-message-mib`). The agent never sends a larger one: it refuses
// it locally ("Sent message larger than max") and drops it from its spool as
// refused for good. Asking the collector instead does not work reliably: its
// receive-memory quota resets a stream that large before the size check can
// answer, which looks like a passing fault, so the agent would retry it for
// ever.

namespace mamori::wire {

inline constexpr int kMaxReportBytes = 32 << 20;

}  // namespace mamori::wire

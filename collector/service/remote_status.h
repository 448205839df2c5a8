#pragma once

// What a remote client (an agent, a console user) is told when a call
// fails. Statuses the collector's own checks produce (bad input, bad key,
// busy, refused) say what was wrong and pass unchanged. Statuses that come
// out of the store or the OS (INTERNAL, UNKNOWN, DATA_LOSS, ABORTED,
// UNAVAILABLE, NOT_FOUND) carry SQLite's or the OS's text — table and
// column names, SQL fragments, file paths — so the client gets the same
// code with a fixed message and an incident number, and the full text goes
// to the collector's log under that number.
//
// Thread-safe.

#include <grpcpp/support/status.h>

#include <string>

#include "common/status.h"

namespace mamori::service {

// Returns the status to send for `status` (OK for OK), logging the original
// when it is replaced.
grpc::Status ToRemoteStatus(const Status& status);

// True when `code`'s messages are written by the collector's own checks and
// may be shown to a client as they are.
bool IsClientFacingCode(StatusCode code);

}  // namespace mamori::service

#pragma once

// Renders collected facts as a text summary a person can scan: one block per
// family with its state (English and Japanese), scalar fields one per line,
// lists of values joined, lists of records one line each (long lists cut with
// a count). Built on the JSON writer, so every family, on every platform, is
// shown without per-family code. Pure and thread-safe.

#include <string>

#include "agent/facts/endpoint.h"

namespace mamori::facts {

// Returns the summary, ending in a newline. `max_items` bounds how many
// entries of a list are shown before "… N more".
std::string FormatTable(const EndpointFacts& facts, size_t max_items = 12);

}  // namespace mamori::facts

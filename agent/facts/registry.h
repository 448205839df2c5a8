#pragma once

// The family registry: one plain table of {name, gather}, built in
// registry.cpp from the one family list (families.h). The gather functions
// are declared in the family headers and implemented per platform (linux/ or
// windows/); registry.cpp is compiled into the platform library. Thread-safe:
// the table is immutable; collection touches only the EndpointFacts it is
// given.

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "agent/facts/endpoint.h"
#include "agent/facts/types.h"

namespace mamori::facts {

struct Family {
  // Proto field name of the family in EndpointFacts ("system", "usb_storage").
  std::string_view name;
  // Collects the family into its member of `out`, setting the status's
  // collected_at and duration_us. Never throws: an exception from the
  // gatherer becomes STATUS_ERROR.
  void (*gather)(const GatherContext& ctx, EndpointFacts* out);
};

// Returns every family, in EndpointFacts field order.
std::span<const Family> Families();

// Returns the family named `name`, or nullptr when there is none.
const Family* FindFamily(std::string_view name);

// Returns the valid names joined with ", " (for usage errors).
std::string FamilyNames();

// Collects the named families (all when `names` is empty) and fills
// agent_version, identity and collected_at. Returns INVALID_ARGUMENT naming
// the unknown family and listing the valid ones; never fails otherwise
// (per-family failures are in each family's status).
Result<EndpointFacts> CollectFamilies(const GatherContext& ctx,
                                      const std::vector<std::string>& names);

}  // namespace mamori::facts

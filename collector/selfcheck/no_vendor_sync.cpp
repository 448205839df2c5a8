// GradingService::SyncVendors in the self-check's engine: the vendor table
// stays empty. Vendor names serve only the unmanaged-PC check, whose query
// reads the fleet's neighbour tables (v_unmanaged_devices) and which the
// self-check reports as needs_collector (local_check.h); the collector's
// own SyncVendors (collector/policy/vendor_sync.cpp) parses ieee-data with
// libcsv, which the Windows agent's libraries do not have. The self-check
// on Linux passed an empty ieee-data directory before, with the same effect.
#include "collector/policy/grading_service.h"

namespace mamori::policy {

Status GradingService::SyncVendors() { return Status::Ok(); }

}  // namespace mamori::policy

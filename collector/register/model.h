#pragma once

// The register's data model. Its plain types and pure functions are the
// vocabulary of the store's RegisterPort and live below the store, in
// collector/store/records/register_records.h; this header keeps the
// register's own name for them.

#include "collector/store/records/register_records.h"

// Fuzz target: the register import (XLSX or CSV, told apart by the ZIP
// signature as the CLI and the console do) up to the validated plan.

#include <cstddef>
#include <cstdint>

#include "collector/register/import_file.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)mamori::asset_register::PlanImport(mamori::fuzz::AsText(data, size),
                                           "2026-12-07");
  return 0;
}

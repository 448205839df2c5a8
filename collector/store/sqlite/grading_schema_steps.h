#pragma once

// The SQL of the grading module's longer migration steps, one file per area
// (grading_schema_v1.cpp, grading_schema_fact_tables.cpp,
// grading_schema_fact_reads.cpp, grading_schema_devices.cpp); the list of
// steps is grading_schema.cpp's GradingMigrations(). Private to those files.
//
// Thread safety: constants.

#include <string_view>

namespace mamori::store::grading_schema {

extern const std::string_view kGradingStep1;
extern const std::string_view kGradingStep2;
extern const std::string_view kGradingStep3;
extern const std::string_view kGradingStep4;
extern const std::string_view kGradingStep6;
extern const std::string_view kGradingStep7;
extern const std::string_view kGradingStep8;

}  // namespace mamori::store::grading_schema

#pragma once

// The alert messages people read, one catalogue per language
// (catalogue_ja.cpp, catalogue_en.cpp): mail subjects, body lines per event
// kind and labels. Templates name their values in braces ({org}, {host},
// {subject}, {detail}, {count}, {time}); render.h fills them in one pass, so
// a value that contains "{host}" is never expanded again.
//
// Thread safety: immutable data.

#include <string_view>

namespace mamori::alerts {

struct AlertCatalogue {
  std::string_view language;
  // Subjects: one event ({event} is its line), a batch held back by the
  // rate limit, a daily or weekly digest, a test.
  std::string_view subject_single;
  std::string_view subject_batch;
  std::string_view subject_daily;
  std::string_view subject_weekly;
  std::string_view subject_test;
  // Body openings.
  std::string_view intro_single;
  std::string_view intro_batch;
  std::string_view intro_digest;
  std::string_view intro_test;
  // One line per event kind.
  std::string_view line_check_failing;
  std::string_view line_banned_software;
  std::string_view line_host_silent;
  std::string_view line_grade_changed;
  std::string_view line_unmanaged_device;
  std::string_view line_test;
  std::string_view label_detail;
  std::string_view label_raised;
  std::string_view label_cleared;
  std::string_view footer;
};

// The catalogue for "ja"; English for anything else.
const AlertCatalogue& CatalogueFor(std::string_view language);

extern const AlertCatalogue kAlertCatalogueJa;
extern const AlertCatalogue kAlertCatalogueEn;

}  // namespace mamori::alerts

// The English alert messages (catalogue.h).
#include "collector/alerts/catalogue.h"

namespace mamori::alerts {

const AlertCatalogue kAlertCatalogueEn{
    .language = "en",
    .subject_single = "[mamori] {org}: {event}",
    .subject_batch = "[mamori] {org}: {count} alerts",
    .subject_daily = "[mamori] {org}: today's alerts ({count})",
    .subject_weekly = "[mamori] {org}: this week's alerts ({count})",
    .subject_test = "[mamori] {org}: test notification",
    .intro_single = "This alert was raised for {org}.",
    .intro_batch =
        "Many alerts were raised for {org}; those beyond the hourly limit "
        "are sent together ({count}).",
    .intro_digest = "{count} alerts were raised for {org} in this period.",
    .intro_test =
        "A test notification from mamori. If you read this, alert delivery "
        "is set up correctly.",
    .line_check_failing = "{host}: started failing the check \"{subject}\"",
    .line_banned_software =
        "{host}: banned software \"{subject}\" is installed",
    .line_host_silent = "{host}: no report since {detail}",
    .line_grade_changed =
        "The grade of the rule \"{subject}\" changed: {detail}",
    .line_unmanaged_device =
        "New unmanaged device: {detail} ({subject}, seen by {host})",
    .line_test = "Test notification",
    .label_detail = "Evidence",
    .label_raised = "Raised",
    .label_cleared = "Cleared",
    .footer =
        "Sent automatically by the mamori collector. See the console or "
        "`mamori-collector alerts list` for details.",
};

const AlertCatalogue& CatalogueFor(std::string_view language) {
  return language == "ja" ? kAlertCatalogueJa : kAlertCatalogueEn;
}

}  // namespace mamori::alerts

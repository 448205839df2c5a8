#pragma once

// Sends one queued delivery: e-mail through report::SendMail (STARTTLS
// always, AUTH when a user is set, the certificate verified), webhooks as a
// JSON POST over HTTPS with an HMAC-SHA256 signature:
//   X-Mamori-Timestamp: <Unix seconds>
//   X-Mamori-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." +
//   body)> X-Mamori-Delivery:  <delivery id>
// The receiver recomputes the HMAC and refuses a timestamp more than five
// minutes away from its clock, so a captured request cannot be replayed
// later (docs/policies.md, "Alerts").
//
// Thread safety: functions may be called from any thread; TLS sessions are
// serialised by report::TlsClientMutex().

#include <chrono>
#include <string>
#include <string_view>

#include "collector/report/mailer.h"
#include "collector/store/alert_port.h"
#include "common/clock.h"
#include "common/status.h"

namespace mamori::alerts {

struct DeliveryOptions {
  // The collector's SMTP relay (serve's --smtp-* flags); host "" = e-mail
  // deliveries fail with "no SMTP server configured" and are retried.
  report::SmtpSettings smtp;
  // PEM file of CAs trusted for webhook servers; "" = the system's.
  std::string webhook_ca_file;
  std::chrono::seconds webhook_timeout{10};
};

// "sha256=" + lowercase hex HMAC-SHA256 of "<timestamp>.<body>".
std::string SignWebhook(std::string_view secret, int64_t timestamp,
                        std::string_view body);

// OK for an https:// URL with a host (and optional port and path);
// INVALID_ARGUMENT saying what is wrong otherwise (http:// is refused: the
// body names hosts and their findings).
Status ValidateWebhookUrl(std::string_view url);
// OK for one plain address local@domain without spaces, control
// characters, commas or angle brackets; INVALID_ARGUMENT otherwise.
Status ValidateEmailAddress(std::string_view address);

// Posts `body` to `url`. OK on a 2xx answer; UNAVAILABLE naming the URL's
// host and what failed (connection, certificate, timeout, the status).
Status PostWebhook(const std::string& url, const std::string& secret,
                   const std::string& body, int64_t delivery_id, TimePoint now,
                   const DeliveryOptions& options);

// Renders and sends `work` by its channel's kind.
Status Deliver(const store::DeliveryWork& work, const DeliveryOptions& options,
               TimePoint now);

}  // namespace mamori::alerts

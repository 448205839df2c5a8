#pragma once

// Turns a queued delivery into what is sent: a plain-text mail (subject and
// body from the recipient's language catalogue, catalogue.h) or the
// webhook's JSON body.
//
// Every value that came from an endpoint (host names, titles, evidence) is
// hostile: in mail it is passed through TerminalSafe (common/text.h), so CR,
// LF and every other control or bidi character is written as a visible
// escape and cannot start a header or reorder the text, and it is cut to a
// bounded length; the mail has no HTML part. In JSON it is valid UTF-8
// (invalid sequences replaced) and escaped by the JSON writer.
//
// Thread safety: pure functions.

#include <map>
#include <string>
#include <string_view>

#include "collector/store/alert_port.h"
#include "common/clock.h"

namespace mamori::alerts {

struct RenderedMail {
  std::string subject;  // one line, no CR/LF
  std::string body;     // UTF-8 plain text
};

RenderedMail RenderMail(const store::DeliveryWork& work);

// {"organisation", "delivery", "purpose", "events": [...]}: see
// docs/policies.md, "Alerts", for the fields.
std::string RenderWebhook(const store::DeliveryWork& work);

// `text` made safe for one line of a mail: TerminalSafe, then cut to
// `max_bytes` on a character boundary with "…".
std::string MailSafe(std::string_view text, size_t max_bytes);

// Fills {name} placeholders of `text` from `values` in one pass; unknown
// names are left as they are.
std::string Expand(std::string_view text,
                   const std::map<std::string, std::string>& values);

}  // namespace mamori::alerts

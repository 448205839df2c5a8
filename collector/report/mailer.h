#pragma once

// Mails a report over SMTP with STARTTLS (Poco::Net), for the scheduled
// monthly report (#15). The connection is upgraded with STARTTLS before any
// login or message; a server that does not offer it is refused (reports are
// never mailed in clear). The server certificate is verified against
// `ca_file` (or the system's CAs when empty) and the host name; an invalid
// certificate is rejected, never prompted for.
//
// Thread-safe: calls take TlsClientMutex(), as every other user of Poco's
// process-wide SSLManager must (the alerts' webhooks do).

#include <chrono>
#include <mutex>
#include <string>
#include <vector>

#include "common/status.h"

namespace mamori::report {

struct SmtpSettings {
  std::string host;
  int port = 587;
  std::string from;
  std::string user;  // empty: no login
  std::string password;
  std::string ca_file;  // PEM; empty: the system's CAs
  std::chrono::seconds timeout{30};
};

struct Mail {
  std::vector<std::string> to;
  std::string subject;  // UTF-8
  std::string body;     // UTF-8 plain text
  std::string attachment_name;
  std::string attachment;  // PDF bytes; empty: none
};

// Sends `mail`. OK when the server accepted it; UNAVAILABLE naming
// host:port and what failed (connection, STARTTLS, certificate, login,
// recipient, the server's reply); INVALID_ARGUMENT for no recipient, a
// recipient or sender with CR/LF, or missing settings.
Status SendMail(const SmtpSettings& settings, const Mail& mail);

// Held while Poco's SSLManager is set up and a TLS client session runs.
std::mutex& TlsClientMutex();

}  // namespace mamori::report

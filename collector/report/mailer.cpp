#include "collector/report/mailer.h"

#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/MailMessage.h>
#include <Poco/Net/MailRecipient.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/RejectCertificateHandler.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureSMTPClientSession.h>
#include <Poco/Net/StringPartSource.h>

namespace mamori::report {

namespace {

bool HasLineBreak(const std::string& s) {
  return s.find_first_of("\r\n") != std::string::npos;
}

}  // namespace

std::mutex& TlsClientMutex() {
  static std::mutex mutex;
  return mutex;
}

Status SendMail(const SmtpSettings& settings, const Mail& mail) {
  if (settings.host.empty() || settings.from.empty()) {
    return InvalidArgumentError("SMTP host and sender are required");
  }
  if (mail.to.empty()) return InvalidArgumentError("no recipient");
  for (const auto& r : mail.to) {
    if (r.empty() || HasLineBreak(r)) {
      return InvalidArgumentError("bad recipient address");
    }
  }
  if (HasLineBreak(settings.from)) {
    return InvalidArgumentError("bad sender address");
  }
  const std::string where = settings.host + ":" + std::to_string(settings.port);
  std::lock_guard<std::mutex> lock(TlsClientMutex());
  // Poco throws; everything is converted here.
  try {
    Poco::Net::Context::Ptr context = new Poco::Net::Context(
        Poco::Net::Context::TLS_CLIENT_USE, "", "", settings.ca_file,
        Poco::Net::Context::VERIFY_RELAXED, 9,
        /*loadDefaultCAs=*/settings.ca_file.empty());
    Poco::SharedPtr<Poco::Net::InvalidCertificateHandler> reject =
        new Poco::Net::RejectCertificateHandler(false);
    Poco::Net::SSLManager::instance().initializeClient(nullptr, reject,
                                                       context);
    Poco::Net::SecureSMTPClientSession session(
        settings.host, static_cast<Poco::UInt16>(settings.port));
    session.setTimeout(Poco::Timespan(settings.timeout.count(), 0));
    session.login();
    // Ask for the capabilities ourselves: Poco's startTLS() attempts the
    // handshake even when the server never offered STARTTLS.
    std::string capabilities;
    session.sendCommand("EHLO", "mamori", capabilities);
    if (capabilities.find("STARTTLS") == std::string::npos ||
        !session.startTLS(context)) {
      session.close();
      return UnavailableError(
          "SMTP " + where +
          " does not offer STARTTLS; the report is not sent in clear / "
          "STARTTLS に対応していないため送信しません");
    }
    if (!settings.user.empty()) {
      // The mechanisms are offered after STARTTLS. PLAIN when offered (one
      // round trip, understood alike by every server); Poco's LOGIN expects
      // the "Username:" challenge wording, which servers vary (aiosmtpd).
      std::string offered;
      session.sendCommand("EHLO", "mamori", offered);
      const bool plain = offered.find("AUTH") != std::string::npos &&
                         offered.find("PLAIN") != std::string::npos;
      session.login(plain ? Poco::Net::SMTPClientSession::AUTH_PLAIN
                          : Poco::Net::SMTPClientSession::AUTH_LOGIN,
                    settings.user, settings.password);
    } else {
      session.login();
    }
    Poco::Net::MailMessage message;
    message.setSender(settings.from);
    for (const auto& r : mail.to) {
      message.addRecipient(Poco::Net::MailRecipient(
          Poco::Net::MailRecipient::PRIMARY_RECIPIENT, r));
    }
    message.setSubject(
        Poco::Net::MailMessage::encodeWord(mail.subject, "UTF-8"));
    message.addContent(
        new Poco::Net::StringPartSource(mail.body, "text/plain; charset=UTF-8"),
        Poco::Net::MailMessage::ENCODING_QUOTED_PRINTABLE);
    if (!mail.attachment.empty()) {
      message.addAttachment(
          mail.attachment_name,
          new Poco::Net::StringPartSource(mail.attachment, "application/pdf",
                                          mail.attachment_name));
    }
    session.sendMessage(message);
    session.close();
    return Status::Ok();
  } catch (const Poco::Exception& e) {
    return UnavailableError("SMTP " + where + ": " + e.displayText());
  } catch (const std::exception& e) {
    return UnavailableError("SMTP " + where + ": " + e.what());
  }
}

}  // namespace mamori::report

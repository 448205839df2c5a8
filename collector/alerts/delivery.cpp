#include "collector/alerts/delivery.h"

#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/RejectCertificateHandler.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/URI.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <mutex>

#include "collector/alerts/render.h"

namespace mamori::alerts {
namespace {

bool HasControl(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

}  // namespace

std::string SignWebhook(std::string_view secret, int64_t timestamp,
                        std::string_view body) {
  const std::string message =
      std::to_string(timestamp) + "." + std::string(body);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(),
       mac, &mac_len);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "sha256=";
  for (unsigned int i = 0; i < mac_len; ++i) {
    out += kHex[mac[i] >> 4];
    out += kHex[mac[i] & 0xf];
  }
  return out;
}

Status ValidateWebhookUrl(std::string_view url) {
  if (url.size() > 2000 || HasControl(url)) {
    return InvalidArgumentError(
        "webhook URL too long or with control characters");
  }
  try {
    Poco::URI uri{std::string(url)};
    if (uri.getScheme() != "https") {
      return InvalidArgumentError(
          "webhook URL must start with https:// (alerts name hosts and "
          "their findings)");
    }
    if (uri.getHost().empty()) {
      return InvalidArgumentError("webhook URL has no host");
    }
    if (!uri.getUserInfo().empty()) {
      return InvalidArgumentError(
          "webhook URL must not carry a user or password; the HMAC "
          "signature authenticates the collector");
    }
  } catch (const Poco::Exception& e) {
    return InvalidArgumentError("webhook URL: " + e.displayText());
  }
  return Status::Ok();
}

Status ValidateEmailAddress(std::string_view address) {
  const size_t at = address.find('@');
  if (address.empty() || address.size() > 254 || HasControl(address) ||
      address.find_first_of(" ,<>;\"()[]\\") != std::string_view::npos ||
      at == std::string_view::npos || at == 0 || at + 1 == address.size() ||
      address.find('@', at + 1) != std::string_view::npos) {
    return InvalidArgumentError("\"" + std::string(address) +
                                "\" is not a plain e-mail address "
                                "(local@domain)");
  }
  return Status::Ok();
}

Status PostWebhook(const std::string& url, const std::string& secret,
                   const std::string& body, int64_t delivery_id, TimePoint now,
                   const DeliveryOptions& options) {
  MAMORI_RETURN_IF_ERROR(ValidateWebhookUrl(url));
  std::string where = url;
  std::lock_guard<std::mutex> lock(report::TlsClientMutex());
  try {
    Poco::URI uri(url);
    where = uri.getHost() + ":" + std::to_string(uri.getPort());
    Poco::Net::Context::Ptr context = new Poco::Net::Context(
        Poco::Net::Context::TLS_CLIENT_USE, "", "", options.webhook_ca_file,
        Poco::Net::Context::VERIFY_RELAXED, 9,
        /*loadDefaultCAs=*/options.webhook_ca_file.empty());
    Poco::SharedPtr<Poco::Net::InvalidCertificateHandler> reject =
        new Poco::Net::RejectCertificateHandler(false);
    Poco::Net::SSLManager::instance().initializeClient(nullptr, reject,
                                                       context);
    Poco::Net::HTTPSClientSession session(uri.getHost(), uri.getPort(),
                                          context);
    session.setTimeout(Poco::Timespan(options.webhook_timeout.count(), 0));
    Poco::Net::HTTPRequest request(
        Poco::Net::HTTPRequest::HTTP_POST,
        uri.getPathAndQuery().empty() ? "/" : uri.getPathAndQuery(),
        Poco::Net::HTTPMessage::HTTP_1_1);
    const int64_t timestamp = ToUnixSeconds(now);
    request.setContentType("application/json; charset=utf-8");
    request.setContentLength(static_cast<std::streamsize>(body.size()));
    request.set("User-Agent", "mamori-collector");
    request.set("X-Mamori-Timestamp", std::to_string(timestamp));
    request.set("X-Mamori-Signature", SignWebhook(secret, timestamp, body));
    request.set("X-Mamori-Delivery", std::to_string(delivery_id));
    session.sendRequest(request) << body;
    Poco::Net::HTTPResponse response;
    std::istream& in = session.receiveResponse(response);
    in.ignore(64 * 1024);
    const int code = static_cast<int>(response.getStatus());
    if (code < 200 || code > 299) {
      return UnavailableError("webhook " + where + " answered HTTP " +
                              std::to_string(code));
    }
    return Status::Ok();
  } catch (const Poco::Exception& e) {
    return UnavailableError("webhook " + where + ": " + e.displayText());
  } catch (const std::exception& e) {
    return UnavailableError("webhook " + where + ": " + e.what());
  }
}

Status Deliver(const store::DeliveryWork& work, const DeliveryOptions& options,
               TimePoint now) {
  const store::AlertDelivery& d = work.delivery;
  if (d.channel_kind == "webhook") {
    return PostWebhook(d.target, work.secret, RenderWebhook(work), d.id, now,
                       options);
  }
  if (options.smtp.host.empty()) {
    return FailedPreconditionError(
        "no SMTP server configured (serve --smtp-host)");
  }
  const RenderedMail mail = RenderMail(work);
  report::Mail message;
  message.to = {d.target};
  message.subject = mail.subject;
  message.body = mail.body;
  return report::SendMail(options.smtp, message);
}

}  // namespace mamori::alerts

#include "collector/web/web_server.h"

#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/ThreadPool.h>

#include <algorithm>
#include <istream>
#include <mutex>

#include "collector/web/assets.h"
#include "common/log.h"

namespace mamori::web {
namespace {

constexpr char kCsp[] =
    "default-src 'none'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) {
    return static_cast<char>(std::tolower(c));
  });
  return s;
}

HttpResponse Plain(int status, std::string text) {
  HttpResponse r;
  r.status = status;
  r.content_type = "text/plain; charset=utf-8";
  r.body = std::move(text);
  return r;
}

class Handler final : public Poco::Net::HTTPRequestHandler {
 public:
  Handler(ConsoleApi& api, const WebServerConfig& config)
      : api_(api), config_(config) {}

  void handleRequest(Poco::Net::HTTPServerRequest& in,
                     Poco::Net::HTTPServerResponse& out) override {
    HttpResponse r;
    try {
      r = Answer(in);
    } catch (const Poco::Exception& e) {
      MAMORI_LOG(kWarning) << "web: " << e.displayText();
      r = Plain(400, "bad request");
    } catch (const std::exception& e) {
      MAMORI_LOG(kError) << "web: " << e.what();
      r = Plain(500, "internal error");
    }
    Send(in, r, out);
  }

 private:
  HttpResponse Answer(Poco::Net::HTTPServerRequest& in) {
    HttpRequest req;
    req.method = in.getMethod();
    req.source = in.clientAddress().host().toString();
    for (const auto& [name, value] : in) req.headers[Lower(name)] = value;
    const std::string& uri = in.getURI();
    const size_t question = uri.find('?');
    std::optional<std::string> path =
        PercentDecode(uri.substr(0, question), false);
    if (!path || path->empty() || path->front() != '/' ||
        path->find('\0') != std::string::npos ||
        path->find("..") != std::string::npos) {
      return Plain(400, "bad path");
    }
    req.path = *path;
    if (question != std::string::npos) {
      auto query = ParseQuery(std::string_view(uri).substr(question + 1));
      if (!query) return Plain(400, "bad query string");
      req.query = std::move(*query);
    }
    // Refuse oversized bodies before parsing them. A body up to 8 times
    // the limit is read and dropped, so the client sees the 413 instead of
    // a connection reset in the middle of sending; a larger one is not read
    // at all (the connection closes after the answer).
    if (in.hasContentLength() &&
        in.getContentLength64() >
            static_cast<int64_t>(config_.max_body_bytes)) {
      if (in.getContentLength64() <=
          static_cast<int64_t>(8 * config_.max_body_bytes)) {
        std::istream& body = in.stream();
        char buffer[8192];
        while (body.read(buffer, sizeof(buffer)) || body.gcount() > 0) {
        }
      }
      return Plain(413, "request body too large");
    }
    if (req.method == "POST" || req.method == "PUT" || req.method == "PATCH" ||
        req.method == "DELETE") {
      std::istream& body = in.stream();
      std::string data;
      char buffer[8192];
      while (body.read(buffer, sizeof(buffer)) || body.gcount() > 0) {
        data.append(buffer, static_cast<size_t>(body.gcount()));
        if (data.size() > config_.max_body_bytes) {
          return Plain(413, "request body too large");
        }
      }
      req.body = std::move(data);
    }
    if (req.path.rfind("/api/v1/", 0) == 0) return api_.Handle(req);
    return ServeStatic(req);
  }

  void Send(Poco::Net::HTTPServerRequest& in, const HttpResponse& r,
            Poco::Net::HTTPServerResponse& out) {
    // setStatus keeps the default reason ("OK"): a 401 went out as
    // "401 OK", which is what curl -v and the browser's console showed.
    out.setStatusAndReason(
        static_cast<Poco::Net::HTTPResponse::HTTPStatus>(r.status));
    for (const auto& [name, value] :
         SecurityHeaders(!config_.plaintext_loopback)) {
      out.set(name, value);
    }
    for (const auto& [name, value] : r.headers) out.add(name, value);
    // An unread body (refused as too large) must not be taken for the next
    // request on this connection.
    if (r.status == 413) out.setKeepAlive(false);
    if (r.status == 204 || r.status == 304) {
      out.setContentLength(0);
      out.send();
      return;
    }
    if (!r.content_type.empty()) out.setContentType(r.content_type);
    if (r.stream) {
      out.setChunkedTransferEncoding(true);
      std::ostream& stream = out.send();
      if (in.getMethod() == "HEAD") return;
      Status s = r.stream([&](std::string_view bytes) -> Status {
        stream.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        return stream ? Status::Ok() : InternalError("client went away");
      });
      if (!s.ok()) {
        // Headers are gone: ending the connection without the last chunk
        // tells the client the download is incomplete.
        MAMORI_LOG(kWarning) << "streamed response failed: " << s.ToString();
        throw Poco::IOException("streamed response failed");
      }
      return;
    }
    out.setContentLength64(static_cast<int64_t>(r.body.size()));
    std::ostream& stream = out.send();
    if (in.getMethod() != "HEAD") stream.write(r.body.data(), r.body.size());
  }

  ConsoleApi& api_;
  const WebServerConfig& config_;
};

class Factory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  Factory(ConsoleApi& api, const WebServerConfig& config)
      : api_(api), config_(config) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest&) override {
    return new Handler(api_, config_);
  }

 private:
  ConsoleApi& api_;
  const WebServerConfig& config_;
};

}  // namespace

std::vector<std::pair<std::string, std::string>> SecurityHeaders(bool tls) {
  std::vector<std::pair<std::string, std::string>> headers = {
      {"Content-Security-Policy", kCsp},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "no-referrer"},
      {"X-Frame-Options", "DENY"},
      {"Cross-Origin-Opener-Policy", "same-origin"},
      {"Cross-Origin-Resource-Policy", "same-origin"},
      {"Permissions-Policy", "camera=(), microphone=(), geolocation=()"},
  };
  if (tls) {
    headers.emplace_back("Strict-Transport-Security",
                         "max-age=31536000; includeSubDomains");
  }
  return headers;
}

HttpResponse ServeStatic(const HttpRequest& request) {
  if (request.method != "GET" && request.method != "HEAD") {
    HttpResponse r = Plain(405, "method not allowed");
    r.AddHeader("Allow", "GET, HEAD");
    return r;
  }
  const std::string path = request.path == "/" ? "/index.html" : request.path;
  std::optional<std::string_view> content = FindEmbedded(path);
  if (!content) return Plain(404, "not found");
  HttpResponse r;
  r.content_type = std::string(ContentTypeFor(path));
  r.body = std::string(*content);
  // Files change only with the binary; revalidating each time keeps an
  // upgraded collector from serving a stale mix.
  r.AddHeader("Cache-Control", "no-cache");
  return r;
}

struct WebServer::Impl {
  WebServerConfig config;
  Poco::ThreadPool pool{1, 8};
  std::unique_ptr<Poco::Net::HTTPServer> server;
};

WebServer::WebServer(std::unique_ptr<Impl> impl, int port)
    : impl_(std::move(impl)), port_(port) {}

WebServer::~WebServer() { Stop(); }

void WebServer::Stop() {
  if (impl_ && impl_->server) {
    impl_->server->stopAll(true);
    impl_->server.reset();
    impl_->pool.joinAll();
  }
}

Result<std::unique_ptr<WebServer>> WebServer::Start(
    const WebServerConfig& config, ConsoleApi& api) {
  static std::once_flag ssl_once;
  std::call_once(ssl_once, [] { Poco::Net::initializeSSL(); });
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  Poco::Net::SocketAddress address;
  try {
    address = Poco::Net::SocketAddress(config.address);
  } catch (const Poco::Exception& e) {
    return InvalidArgumentError("--web: expected ADDR:PORT, got '" +
                                config.address + "' (" + e.displayText() + ")");
  }
  if (config.plaintext_loopback && !address.host().isLoopback()) {
    return InvalidArgumentError(
        "--web: plain HTTP is allowed only on a loopback address, not " +
        config.address);
  }
  try {
    std::unique_ptr<Poco::Net::ServerSocket> socket;
    if (config.plaintext_loopback) {
      socket = std::make_unique<Poco::Net::ServerSocket>(address, 64);
    } else {
      Poco::Net::Context::Ptr context = new Poco::Net::Context(
          Poco::Net::Context::TLS_SERVER_USE, config.key_path, config.cert_path,
          "", Poco::Net::Context::VERIFY_NONE, 9, false,
          "ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL:!MD5:!SHA1");
      context->disableProtocols(
          Poco::Net::Context::PROTO_SSLV2 | Poco::Net::Context::PROTO_SSLV3 |
          Poco::Net::Context::PROTO_TLSV1 | Poco::Net::Context::PROTO_TLSV1_1);
      socket =
          std::make_unique<Poco::Net::SecureServerSocket>(address, 64, context);
    }
    const int port = socket->address().port();
    auto params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(config.max_threads);
    params->setMaxQueued(128);
    params->setTimeout(Poco::Timespan(15, 0));
    params->setKeepAlive(true);
    params->setMaxKeepAliveRequests(200);
    params->setServerName("mamori");
    impl->pool.addCapacity(std::max(0, config.max_threads - 8));
    impl->server = std::make_unique<Poco::Net::HTTPServer>(
        new Factory(api, impl->config), impl->pool, *socket, params);
    impl->server->start();
    return std::unique_ptr<WebServer>(new WebServer(std::move(impl), port));
  } catch (const Poco::Net::SSLException& e) {
    return InternalError("web TLS set-up failed: " + e.displayText());
  } catch (const Poco::IOException& e) {
    return UnavailableError("--web: cannot listen on " + config.address + ": " +
                            e.displayText());
  } catch (const Poco::Exception& e) {
    return InternalError("web server: " + e.displayText());
  }
}

}  // namespace mamori::web

#pragma once

// WebServer: the console's HTTPS server (Poco HTTPServer over
// NetSSL_OpenSSL with the collector's certificate). Serves the embedded
// front-end files and hands /api/v1/ to ConsoleApi. Every response carries
// the security headers (SecurityHeaders). Plain HTTP is allowed only on a
// loopback address and only when asked for.
//
// Thread safety: Start/Stop from one thread; requests run on the server's
// own thread pool.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "collector/web/console_api.h"
#include "collector/web/http.h"
#include "common/status.h"

namespace mamori::web {

struct WebServerConfig {
  std::string address;  // "127.0.0.1:8443", "[::1]:0"; port 0 = any free
  bool plaintext_loopback = false;  // HTTP without TLS, loopback only
  std::string key_path;             // PEM private key (TLS)
  std::string cert_path;            // PEM certificate (TLS)
  int max_threads = 8;
  size_t max_body_bytes = 1 << 20;  // larger requests: 413 before reading
};

// The headers every response gets (CSP without inline script, frame
// ancestors none, nosniff, no referrer; HSTS when over TLS).
std::vector<std::pair<std::string, std::string>> SecurityHeaders(bool tls);

// Answers a request for a front-end file: "/" is index.html. 404 for
// anything not embedded, 405 for methods other than GET and HEAD.
HttpResponse ServeStatic(const HttpRequest& request);

class WebServer {
 public:
  // Binds and starts serving. INVALID_ARGUMENT for a bad address or plain
  // HTTP on a non-loopback address; UNAVAILABLE when the port cannot be
  // bound; INTERNAL when the key or certificate cannot be loaded.
  static Result<std::unique_ptr<WebServer>> Start(const WebServerConfig& config,
                                                  ConsoleApi& api);
  ~WebServer();
  int port() const { return port_; }
  // Stops accepting and waits for running requests.
  void Stop();

 private:
  struct Impl;
  explicit WebServer(std::unique_ptr<Impl> impl, int port);
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

}  // namespace mamori::web

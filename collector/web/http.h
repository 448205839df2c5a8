#pragma once

// The console's view of one HTTP exchange, apart from Poco: handlers take an
// HttpRequest and fill an HttpResponse, so they can be tested without a
// socket. Helpers parse query strings, cookies and Accept-Language.
//
// Thread safety: plain values and pure functions.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace mamori::web {

struct HttpRequest {
  std::string method;                        // "GET", "POST" …
  std::string path;                          // decoded path, without the query
  std::map<std::string, std::string> query;  // decoded; last value wins
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
  std::string source;  // client address, "127.0.0.1"

  // The header's value, "" when absent.
  std::string Header(const std::string& lower_name) const;
  // The query parameter's value, "" when absent.
  std::string Query(const std::string& name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // When set, the body is written by this function (chunked transfer)
  // instead of `body`: large downloads such as the evidence pack are
  // streamed, never held whole. An error after the first byte can only
  // end the connection, so the function checks what it can before writing.
  std::function<Status(const std::function<Status(std::string_view)>&)> stream;

  void AddHeader(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
  }
};

// Percent-decodes `text` ('+' as space when `plus_is_space`); nullopt on a
// malformed escape.
std::optional<std::string> PercentDecode(std::string_view text,
                                         bool plus_is_space);
// Parses "a=1&b=two" into decoded pairs; nullopt on a malformed escape.
std::optional<std::map<std::string, std::string>> ParseQuery(
    std::string_view text);
// The value of cookie `name` in a Cookie header, "" when absent.
std::string CookieValue(std::string_view header, std::string_view name);
// "ja" or "en" from an Accept-Language header: the first supported language
// by quality, English when none is supported.
std::string PickLanguage(std::string_view accept_language);

// True when `text` is valid UTF-8 without control characters other than
// tab and newline.
bool IsCleanUtf8(std::string_view text);
// Number of code points in valid UTF-8 `text`.
size_t CodePoints(std::string_view text);

}  // namespace mamori::web

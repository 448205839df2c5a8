#pragma once

// The console's files compiled into the collector (embed_assets.cmake):
// everything under web/static/ by URL path ("/index.html", "/js/main.js"),
// and support files by "embedded:NAME" (openapi.json, common_passwords.txt).
//
// Thread safety: immutable data.

#include <optional>
#include <span>
#include <string_view>

namespace mamori::web {

struct EmbeddedFile {
  std::string_view path;
  std::string_view content;
};

std::span<const EmbeddedFile> EmbeddedFiles();

// The file at `path`; nullopt when there is none.
std::optional<std::string_view> FindEmbedded(std::string_view path);

// The Content-Type for a path by its extension ("text/html; charset=utf-8"),
// "application/octet-stream" for anything unknown.
std::string_view ContentTypeFor(std::string_view path);

}  // namespace mamori::web

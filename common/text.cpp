#include "common/text.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>

namespace mamori {
namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
         c == '\f';
}

char LowerAscii(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// Length of the valid UTF-8 sequence at text[i], or 0 if invalid.
size_t Utf8SequenceLength(std::string_view text, size_t i) {
  const auto byte = [&](size_t k) {
    return static_cast<unsigned char>(text[i + k]);
  };
  const unsigned char c = byte(0);
  if (c < 0x80) return 1;
  size_t len = 0;
  uint32_t cp = 0;
  if ((c & 0xE0) == 0xC0) {
    len = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + len > text.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    if ((byte(k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(k) & 0x3F);
  }
  static constexpr uint32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMinForLength[len]) return 0;       // overlong
  if (cp > 0x10FFFF) return 0;                 // beyond Unicode
  if (cp >= 0xD800 && cp <= 0xDFFF) return 0;  // surrogate
  return len;
}

}  // namespace

std::string_view Trim(std::string_view text) {
  while (!text.empty() && IsSpace(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsSpace(text.back())) text.remove_suffix(1);
  return text;
}

std::vector<std::string_view> Split(std::string_view text, char separator) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    const size_t pos = text.find(separator, start);
    if (pos == std::string_view::npos) {
      out.push_back(text.substr(start));
      return out;
    }
    out.push_back(text.substr(start, pos - start));
    start = pos + 1;
  }
}

std::vector<std::string_view> SplitWhitespace(std::string_view text) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && IsSpace(text[i])) ++i;
    const size_t start = i;
    while (i < text.size() && !IsSpace(text[i])) ++i;
    if (i > start) out.push_back(text.substr(start, i - start));
  }
  return out;
}

std::vector<std::string_view> SplitLines(std::string_view text) {
  std::vector<std::string_view> out;
  if (text.empty()) return out;
  for (std::string_view line : Split(text, '\n')) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    out.push_back(line);
  }
  if (!out.empty() && out.back().empty() && text.back() == '\n') out.pop_back();
  return out;
}

std::string ToLowerAscii(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = LowerAscii(c);
  return out;
}

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() &&
         text.substr(text.size() - suffix.size()) == suffix;
}

bool EqualsIgnoreCaseAscii(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (LowerAscii(a[i]) != LowerAscii(b[i])) return false;
  }
  return true;
}

std::string HexEncode(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

std::optional<std::string> HexDecode(std::string_view hex, size_t max_bytes) {
  if (hex.size() % 2 != 0 || hex.size() / 2 > max_bytes) return std::nullopt;
  std::string out;
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    int value = 0;
    for (char c : hex.substr(i, 2)) {
      value <<= 4;
      if (c >= '0' && c <= '9') {
        value |= c - '0';
      } else if (c >= 'a' && c <= 'f') {
        value |= c - 'a' + 10;
      } else {
        return std::nullopt;
      }
    }
    out.push_back(static_cast<char>(value));
  }
  return out;
}

std::optional<uint64_t> ParseUint64(std::string_view text) {
  if (text.empty()) return std::nullopt;
  uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (value > (std::numeric_limits<uint64_t>::max() - digit) / 10) {
      return std::nullopt;
    }
    value = value * 10 + digit;
  }
  return value;
}

std::optional<int64_t> ParseInt64(std::string_view text) {
  const bool negative = !text.empty() && text.front() == '-';
  if (negative) text.remove_prefix(1);
  const std::optional<uint64_t> magnitude = ParseUint64(text);
  if (!magnitude) return std::nullopt;
  const uint64_t limit =
      static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) +
      (negative ? 1 : 0);
  if (*magnitude > limit) return std::nullopt;
  if (negative) {
    return *magnitude == limit ? std::numeric_limits<int64_t>::min()
                               : -static_cast<int64_t>(*magnitude);
  }
  return static_cast<int64_t>(*magnitude);
}

bool IsValidUtf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    const size_t len = Utf8SequenceLength(text, i);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

std::string SanitizeUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const size_t len = Utf8SequenceLength(text, i);
    if (len == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(text.substr(i, len));
      i += len;
    }
  }
  return out;
}

namespace {

// Terminal columns of code point `cp`: 2 for the East Asian wide and
// fullwidth blocks a Japanese host or organisation name uses, else 1.
size_t CodePointColumns(char32_t cp) {
  const bool wide =
      (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0x303E) ||
      (cp >= 0x3041 && cp <= 0x33FF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
      (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xA000 && cp <= 0xA4CF) ||
      (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
      (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
      (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x20000 && cp <= 0x3FFFD);
  return wide ? 2 : 1;
}

char32_t DecodeCodePoint(std::string_view s, size_t len) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  if (len == 1) return byte(0);
  char32_t cp = byte(0) & (0x7F >> len);
  for (size_t k = 1; k < len; ++k) cp = (cp << 6) | (byte(k) & 0x3F);
  return cp;
}

}  // namespace

std::string TerminalSafe(std::string_view text) {
  const std::string clean = SanitizeUtf8(text);
  std::string out;
  out.reserve(clean.size());
  static constexpr char kHex[] = "0123456789abcdef";
  for (size_t i = 0; i < clean.size();) {
    const size_t len = Utf8SequenceLength(clean, i);
    const char32_t cp = DecodeCodePoint(std::string_view(clean).substr(i), len);
    if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F)) {
      out += "\\x";
      out.push_back(kHex[(cp >> 4) & 0xF]);
      out.push_back(kHex[cp & 0xF]);
    } else if ((cp >= 0x202A && cp <= 0x202E) ||
               (cp >= 0x2066 && cp <= 0x2069)) {
      out += "\\u";
      for (int shift = 12; shift >= 0; shift -= 4) {
        out.push_back(kHex[(cp >> shift) & 0xF]);
      }
    } else {
      out.append(clean, i, len);
    }
    i += len;
  }
  return out;
}

std::string Column(std::string_view text, size_t width) {
  const std::string clean = TerminalSafe(text);
  // Code points with their columns, cut once they leave no room for the
  // separating space.
  std::string out;
  size_t used = 0;
  bool cut = false;
  for (size_t i = 0; i < clean.size();) {
    const size_t len = Utf8SequenceLength(clean, i);
    const size_t cols = CodePointColumns(
        DecodeCodePoint(std::string_view(clean).substr(i), len));
    if (used + cols + 1 > width) {
      cut = true;
      break;
    }
    out.append(clean, i, len);
    used += cols;
    i += len;
  }
  if (cut) {
    // Make room for the ellipsis (one column) before the separating space.
    while (!out.empty() && used + 2 > width) {
      size_t start = out.size() - 1;
      while (start > 0 &&
             (static_cast<unsigned char>(out[start]) & 0xC0) == 0x80)
        --start;
      const size_t len = out.size() - start;
      used -= CodePointColumns(
          DecodeCodePoint(std::string_view(out).substr(start), len));
      out.resize(start);
    }
    if (used + 2 <= width) {
      out += "\xE2\x80\xA6";  // …
      ++used;
    }
  }
  out.append(width > used ? width - used : 1, ' ');
  return out;
}

namespace {

// Opens a UTF-8 path for reading. Windows' fopen reads the path in the ANSI
// code page (CP932 on Japanese Windows), so it goes through UTF-16 there.
std::FILE* OpenForReading(const std::string& path) {
#ifdef _WIN32
  const std::filesystem::path wide(std::u8string(path.begin(), path.end()));
  return _wfopen(wide.c_str(), L"rb");
#else
  return std::fopen(path.c_str(), "rb");
#endif
}

}  // namespace

Result<std::string> ReadFile(const std::string& path, uint64_t max_bytes) {
  std::FILE* file = OpenForReading(path);
  if (file == nullptr) {
    const int err = errno;
    std::string message = path + ": " + std::strerror(err);
    if (err == ENOENT || err == ENOTDIR) return NotFoundError(message);
    if (err == EACCES || err == EPERM) return PermissionDeniedError(message);
    return InternalError(message);
  }
  std::string content;
  char buffer[64 * 1024];
  size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof(buffer), file)) > 0) {
    content.append(buffer, n);
    if (content.size() > max_bytes) {
      std::fclose(file);
      return OutOfRangeError(path + ": larger than " +
                             std::to_string(max_bytes) + " bytes");
    }
  }
  const bool failed = std::ferror(file) != 0;
  const int err = errno;
  std::fclose(file);
  if (failed) {
    std::string message = path + ": " + std::strerror(err);
    if (err == EACCES || err == EPERM) return PermissionDeniedError(message);
    return InternalError(message);
  }
  return content;
}

std::string JoinRoot(std::string_view root, std::string_view path) {
  while (!root.empty() && root.back() == '/') root.remove_suffix(1);
  if (root.empty()) return std::string(path);
  std::string out(root);
  if (path.empty() || path.front() != '/') out += '/';
  out += path;
  return out;
}

}  // namespace mamori

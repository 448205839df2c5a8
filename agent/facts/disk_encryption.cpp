#include "agent/facts/disk_encryption.h"

#include <cstring>
#include <nlohmann/json.hpp>

namespace mamori::facts {

std::string_view EnumName(EncryptionState state) {
  switch (state) {
    case EncryptionState::kUnspecified:
      return "ENCRYPTION_STATE_UNSPECIFIED";
    case EncryptionState::kEncrypted:
      return "ENCRYPTION_STATE_ENCRYPTED";
    case EncryptionState::kNotEncrypted:
      return "ENCRYPTION_STATE_NOT_ENCRYPTED";
    case EncryptionState::kEncrypting:
      return "ENCRYPTION_STATE_ENCRYPTING";
    case EncryptionState::kDecrypting:
      return "ENCRYPTION_STATE_DECRYPTING";
    case EncryptionState::kSuspended:
      return "ENCRYPTION_STATE_SUSPENDED";
  }
  return "";
}

namespace {

// Decodes the \ooo octal escapes the kernel and fstab use for spaces etc.
std::string Unescape(std::string_view field) {
  std::string out;
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size()) {
      const char a = field[i + 1], b = field[i + 2], c = field[i + 3];
      if (a >= '0' && a <= '3' && b >= '0' && b <= '7' && c >= '0' &&
          c <= '7') {
        out += static_cast<char>((a - '0') * 64 + (b - '0') * 8 + (c - '0'));
        i += 3;
        continue;
      }
    }
    out += field[i];
  }
  return SanitizeUtf8(out);
}

std::string FixedString(std::string_view bytes, size_t offset, size_t size) {
  const std::string_view field = bytes.substr(offset, size);
  return SanitizeUtf8(field.substr(0, field.find('\0')));
}

}  // namespace

std::vector<MountEntry> ParseMounts(std::string_view text) {
  std::vector<MountEntry> out;
  for (std::string_view line : SplitLines(text)) {
    line = Trim(line);
    if (line.empty() || line.front() == '#') continue;
    const std::vector<std::string_view> f = SplitWhitespace(line);
    if (f.size() < 3) continue;
    out.push_back({Unescape(f[0]), Unescape(f[1]), std::string(f[2])});
  }
  return out;
}

std::vector<CrypttabEntry> ParseCrypttab(std::string_view text) {
  std::vector<CrypttabEntry> out;
  for (std::string_view line : SplitLines(text)) {
    line = Trim(line);
    if (line.empty() || line.front() == '#') continue;
    const std::vector<std::string_view> f = SplitWhitespace(line);
    if (f.size() < 2) continue;
    CrypttabEntry e;
    e.name = SanitizeUtf8(f[0]);
    e.device = SanitizeUtf8(f[1]);
    if (f.size() >= 4) e.options = SanitizeUtf8(f[3]);
    out.push_back(std::move(e));
  }
  return out;
}

std::string CrypttabTechnology(std::string_view options) {
  for (std::string_view opt : Split(options, ',')) {
    opt = Trim(opt);
    if (opt == "plain") return "dm-crypt";
    if (opt == "tcrypt") return "tcrypt";
    if (opt == "bitlk") return "bitlk";
    if (opt == "luks") return "luks";
  }
  return "luks";  // systemd-cryptsetup probes LUKS when no type is given
}

std::string DmCryptTechnology(std::string_view dm_uuid) {
  if (!StartsWith(dm_uuid, "CRYPT-")) return "";
  const std::string_view rest = dm_uuid.substr(6);
  if (StartsWith(rest, "LUKS2")) return "luks2";
  if (StartsWith(rest, "LUKS1")) return "luks1";
  if (StartsWith(rest, "LUKS")) return "luks";
  if (StartsWith(rest, "PLAIN")) return "dm-crypt";
  if (StartsWith(rest, "BITLK")) return "bitlk";
  if (StartsWith(rest, "TCRYPT")) return "tcrypt";
  return "dm-crypt";
}

Result<LuksHeader> ParseLuksHeader(std::string_view bytes) {
  constexpr char kMagic[] = {'L', 'U', 'K', 'S', '\xba', '\xbe'};
  if (bytes.size() < 8 || std::memcmp(bytes.data(), kMagic, 6) != 0) {
    return InvalidArgumentError("no LUKS magic at the start of the device");
  }
  LuksHeader h;
  h.version = (static_cast<unsigned char>(bytes[6]) << 8) |
              static_cast<unsigned char>(bytes[7]);
  if (h.version == 1) {
    if (bytes.size() < 104) {
      return InvalidArgumentError("LUKS1 header truncated");
    }
    const std::string name = FixedString(bytes, 8, 32);
    const std::string mode = FixedString(bytes, 40, 32);
    h.cipher = mode.empty() ? name : name + "-" + mode;
    return h;
  }
  if (h.version != 2) {
    return InvalidArgumentError("unknown LUKS version " +
                                std::to_string(h.version));
  }
  if (bytes.size() < 16) return InvalidArgumentError("LUKS2 header truncated");
  uint64_t hdr_size = 0;
  for (int i = 0; i < 8; ++i) {
    hdr_size = (hdr_size << 8) | static_cast<unsigned char>(bytes[8 + i]);
  }
  if (hdr_size <= 4096 || bytes.size() <= 4096) return h;  // no JSON read
  const std::string_view area = bytes.substr(
      4096, std::min<uint64_t>(hdr_size - 4096, bytes.size() - 4096));
  const std::string_view json_text = area.substr(0, area.find('\0'));
  const nlohmann::json doc = nlohmann::json::parse(json_text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return h;
  const auto segments = doc.find("segments");
  if (segments == doc.end() || !segments->is_object()) return h;
  for (const auto& [key, segment] : segments->items()) {
    if (!segment.is_object()) continue;
    const auto enc = segment.find("encryption");
    if (enc != segment.end() && enc->is_string()) {
      h.cipher = SanitizeUtf8(enc->get<std::string>());
      break;
    }
  }
  return h;
}

bool IsSystemMountPoint(std::string_view mount_point) {
  return mount_point == "/" || mount_point == "/home";
}

}  // namespace mamori::facts

#include "collector/report/zip.h"

#include <zlib.h>

#include <ctime>
#include <set>

#include "common/text.h"

namespace mamori::report {

namespace {

constexpr uint32_t kLocalSig = 0x04034b50;
constexpr uint32_t kCentralSig = 0x02014b50;
constexpr uint32_t kEndSig = 0x06054b50;
constexpr uint16_t kFlagUtf8 = 0x0800;
constexpr uint16_t kVersion = 20;
constexpr int kLevel = 6;

void Put16(std::string* s, uint16_t v) {
  s->push_back(static_cast<char>(v & 0xff));
  s->push_back(static_cast<char>(v >> 8));
}
void Put32(std::string* s, uint32_t v) {
  for (int i = 0; i < 4; ++i)
    s->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
uint16_t Get16(std::string_view d, size_t at) {
  return static_cast<uint16_t>(static_cast<unsigned char>(d[at]) |
                               static_cast<unsigned char>(d[at + 1]) << 8);
}
uint32_t Get32(std::string_view d, size_t at) {
  return static_cast<uint32_t>(Get16(d, at)) |
         static_cast<uint32_t>(Get16(d, at + 2)) << 16;
}

// Raw deflate (no zlib header), as ZIP wants.
Result<std::string> Deflate(std::string_view data) {
  z_stream z{};
  if (deflateInit2(&z, kLevel, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK) {
    return InternalError("zlib: deflateInit2 failed");
  }
  std::string out(deflateBound(&z, data.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  if (rc != Z_STREAM_END) return InternalError("zlib: deflate failed");
  return out;
}

}  // namespace

ZipWriter::ZipWriter(Sink sink, TimePoint timestamp) : sink_(std::move(sink)) {
  const std::time_t t = std::chrono::system_clock::to_time_t(timestamp);
  std::tm tm{};
  gmtime_r(&t, &tm);
  const int year = std::max(1980, tm.tm_year + 1900);
  dos_time_ =
      static_cast<uint16_t>(tm.tm_hour << 11 | tm.tm_min << 5 | tm.tm_sec / 2);
  dos_date_ = static_cast<uint16_t>((year - 1980) << 9 | (tm.tm_mon + 1) << 5 |
                                    tm.tm_mday);
}

Status ZipWriter::Emit(std::string_view bytes) {
  if (!error_.ok()) return error_;
  error_ = sink_(bytes);
  offset_ += bytes.size();
  return error_;
}

Status ZipWriter::Add(const std::string& name, std::string_view data) {
  if (finished_) return FailedPreconditionError("zip: Add after Finish");
  MAMORI_RETURN_IF_ERROR(ValidateEntryName(name));
  if (entries_.size() >= 0xffff) {
    return ResourceExhaustedError("zip: more than 65535 entries");
  }
  if (data.size() >= 0xffffffffull) {
    return ResourceExhaustedError("zip: " + name + " is larger than 4 GiB");
  }
  auto deflated = Deflate(data);
  if (!deflated.ok()) return deflated.status();
  Entry e;
  e.name = name;
  e.crc = static_cast<uint32_t>(
      crc32(0, reinterpret_cast<const Bytef*>(data.data()),
            static_cast<uInt>(data.size())));
  e.size = static_cast<uint32_t>(data.size());
  // Keep whichever is smaller; the choice depends only on the data.
  const bool store = deflated->size() >= data.size();
  e.method = store ? 0 : 8;
  e.compressed = static_cast<uint32_t>(store ? data.size() : deflated->size());
  if (offset_ + 30 + name.size() + e.compressed >= 0xffffffffull) {
    return ResourceExhaustedError("zip: archive larger than 4 GiB");
  }
  e.offset = static_cast<uint32_t>(offset_);
  std::string h;
  Put32(&h, kLocalSig);
  Put16(&h, kVersion);
  Put16(&h, kFlagUtf8);
  Put16(&h, e.method);
  Put16(&h, dos_time_);
  Put16(&h, dos_date_);
  Put32(&h, e.crc);
  Put32(&h, e.compressed);
  Put32(&h, e.size);
  Put16(&h, static_cast<uint16_t>(name.size()));
  Put16(&h, 0);
  h += name;
  MAMORI_RETURN_IF_ERROR(Emit(h));
  MAMORI_RETURN_IF_ERROR(Emit(store ? data : std::string_view(*deflated)));
  entries_.push_back(std::move(e));
  return Status::Ok();
}

Status ZipWriter::Finish() {
  if (finished_) return FailedPreconditionError("zip: Finish twice");
  finished_ = true;
  const uint64_t start = offset_;
  std::string cd;
  for (const Entry& e : entries_) {
    Put32(&cd, kCentralSig);
    Put16(&cd, static_cast<uint16_t>(3 << 8 | kVersion));  // made on Unix
    Put16(&cd, kVersion);
    Put16(&cd, kFlagUtf8);
    Put16(&cd, e.method);
    Put16(&cd, dos_time_);
    Put16(&cd, dos_date_);
    Put32(&cd, e.crc);
    Put32(&cd, e.compressed);
    Put32(&cd, e.size);
    Put16(&cd, static_cast<uint16_t>(e.name.size()));
    Put16(&cd, 0);  // extra
    Put16(&cd, 0);  // comment
    Put16(&cd, 0);  // disk
    Put16(&cd, 0);  // internal attributes
    Put32(&cd, 0100644u << 16);
    Put32(&cd, e.offset);
    cd += e.name;
    if (cd.size() > (1 << 20)) {
      MAMORI_RETURN_IF_ERROR(Emit(cd));
      cd.clear();
    }
  }
  MAMORI_RETURN_IF_ERROR(Emit(cd));
  const uint64_t size = offset_ - start;
  if (offset_ >= 0xffffffffull) {
    return ResourceExhaustedError("zip: archive larger than 4 GiB");
  }
  std::string end;
  Put32(&end, kEndSig);
  Put16(&end, 0);
  Put16(&end, 0);
  Put16(&end, static_cast<uint16_t>(entries_.size()));
  Put16(&end, static_cast<uint16_t>(entries_.size()));
  Put32(&end, static_cast<uint32_t>(size));
  Put32(&end, static_cast<uint32_t>(start));
  Put16(&end, 0);
  return Emit(end);
}

Status ValidateEntryName(std::string_view name) {
  auto bad = [&](const std::string& why) {
    return InvalidArgumentError("unsafe entry name \"" +
                                SanitizeUtf8(name.substr(0, 200)) +
                                "\": " + why);
  };
  if (name.empty()) return bad("empty");
  if (name.size() > 255) return bad("longer than 255 bytes");
  if (!IsValidUtf8(name)) return bad("not UTF-8");
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return bad("control character");
    if (c == '\\') return bad("backslash");
    if (c == ':') return bad("colon (drive letter or stream)");
  }
  if (name.front() == '/') return bad("absolute path");
  for (std::string_view part : Split(name, '/')) {
    if (part.empty()) return bad("empty path component");
    if (part == "." || part == "..") return bad("path traversal");
  }
  return Status::Ok();
}

Status ReadZip(std::string_view d, const ZipLimits& limits,
               const std::function<Status(const std::string& name,
                                          std::string_view content)>& fn) {
  // The end record is in the last 64 KiB + 22 bytes (its comment is at most
  // 65,535 bytes).
  if (d.size() < 22) return InvalidArgumentError("not a ZIP file (too short)");
  size_t end = std::string::npos;
  const size_t lowest = d.size() > 22 + 65535 ? d.size() - 22 - 65535 : 0;
  for (size_t at = d.size() - 22;; --at) {
    if (Get32(d, at) == kEndSig) {
      end = at;
      break;
    }
    if (at == lowest) break;
  }
  if (end == std::string::npos) {
    return InvalidArgumentError("not a ZIP file (no end of central directory)");
  }
  const uint16_t count = Get16(d, end + 10);
  const uint32_t cd_size = Get32(d, end + 12);
  const uint32_t cd_start = Get32(d, end + 16);
  if (Get16(d, end + 4) != 0 || Get16(d, end + 6) != 0 ||
      Get16(d, end + 8) != count) {
    return InvalidArgumentError("multi-disk ZIP files are not accepted");
  }
  if (count == 0xffff || cd_start == 0xffffffffu) {
    return InvalidArgumentError("ZIP64 archives are not accepted");
  }
  if (count > limits.max_entries) {
    return ResourceExhaustedError("too many entries (" + std::to_string(count) +
                                  ")");
  }
  if (static_cast<uint64_t>(cd_start) + cd_size > end) {
    return InvalidArgumentError("central directory outside the file");
  }
  std::set<std::string> seen;
  uint64_t total = 0;
  size_t at = cd_start;
  for (uint16_t i = 0; i < count; ++i) {
    if (at + 46 > end || Get32(d, at) != kCentralSig) {
      return InvalidArgumentError("central directory entry " +
                                  std::to_string(i) + " is damaged");
    }
    const uint16_t flags = Get16(d, at + 8);
    const uint16_t method = Get16(d, at + 10);
    const uint32_t crc = Get32(d, at + 16);
    const uint32_t csize = Get32(d, at + 20);
    const uint32_t usize = Get32(d, at + 24);
    const uint16_t name_len = Get16(d, at + 28);
    const uint16_t extra_len = Get16(d, at + 30);
    const uint16_t comment_len = Get16(d, at + 32);
    const uint32_t local = Get32(d, at + 42);
    if (at + 46 + name_len > end) {
      return InvalidArgumentError("central directory entry name truncated");
    }
    const std::string name(d.substr(at + 46, name_len));
    at += 46 + name_len + extra_len + comment_len;
    MAMORI_RETURN_IF_ERROR(ValidateEntryName(name));
    if (!seen.insert(name).second) {
      return InvalidArgumentError(name + ": entry appears twice");
    }
    if (flags & 1) return InvalidArgumentError(name + ": encrypted");
    if (method != 0 && method != 8) {
      return InvalidArgumentError(name + ": compression method " +
                                  std::to_string(method) + " not accepted");
    }
    if (usize > limits.max_entry_bytes) {
      return ResourceExhaustedError(name + ": " + std::to_string(usize) +
                                    " bytes uncompressed, over the limit "
                                    "(zip bomb?)");
    }
    total += usize;
    if (total > limits.max_total_bytes) {
      return ResourceExhaustedError("the archive expands to more than " +
                                    std::to_string(limits.max_total_bytes) +
                                    " bytes (zip bomb?)");
    }
    if (usize > (1u << 20) &&
        usize / std::max<uint32_t>(csize, 1) > limits.max_ratio) {
      return ResourceExhaustedError(name + ": compression ratio over " +
                                    std::to_string(limits.max_ratio) +
                                    ":1 (zip bomb?)");
    }
    // The local header must agree with the central one.
    if (static_cast<uint64_t>(local) + 30 > cd_start ||
        Get32(d, local) != kLocalSig) {
      return InvalidArgumentError(name + ": local header missing");
    }
    const uint16_t lname_len = Get16(d, local + 26);
    const uint16_t lextra_len = Get16(d, local + 28);
    const uint64_t data_start =
        static_cast<uint64_t>(local) + 30 + lname_len + lextra_len;
    if (data_start + csize > cd_start ||
        d.substr(local + 30, lname_len) != name ||
        Get16(d, local + 8) != method) {
      return InvalidArgumentError(name +
                                  ": local header disagrees with the central "
                                  "directory");
    }
    const std::string_view packed = d.substr(data_start, csize);
    std::string content;
    if (method == 0) {
      if (csize != usize) {
        return InvalidArgumentError(name + ": stored sizes differ");
      }
      content.assign(packed);
    } else {
      // Inflate into exactly `usize` bytes: more output is refused, never
      // allocated.
      content.resize(usize);
      z_stream z{};
      if (inflateInit2(&z, -15) != Z_OK) {
        return InternalError("zlib: inflateInit2 failed");
      }
      z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(packed.data()));
      z.avail_in = static_cast<uInt>(packed.size());
      z.next_out = reinterpret_cast<Bytef*>(content.data());
      z.avail_out = static_cast<uInt>(content.size());
      int rc = inflate(&z, Z_FINISH);
      if (rc == Z_BUF_ERROR && z.avail_out == 0 && z.avail_in > 0) {
        inflateEnd(&z);
        return ResourceExhaustedError(
            name + ": expands beyond its declared size (zip bomb?)");
      }
      const uLong produced = z.total_out;
      inflateEnd(&z);
      if (rc != Z_STREAM_END || produced != usize) {
        return InvalidArgumentError(name + ": compressed data is damaged");
      }
    }
    if (static_cast<uint32_t>(
            crc32(0, reinterpret_cast<const Bytef*>(content.data()),
                  static_cast<uInt>(content.size()))) != crc) {
      return InvalidArgumentError(name + ": CRC-32 mismatch");
    }
    MAMORI_RETURN_IF_ERROR(fn(name, content));
  }
  return Status::Ok();
}

}  // namespace mamori::report

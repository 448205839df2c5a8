#include "agent/transport/state_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/text.h"

namespace mamori::transport {
namespace {

Status OsError(const std::string& what, const std::string& path) {
  return InternalError(what + " " + path + ": " + std::strerror(errno));
}

Status FsyncPath(const std::string& path, int flags) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return OsError("cannot open", path);
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return OsError("cannot fsync", path);
  return Status::Ok();
}

}  // namespace

std::string IdentityPath(const std::string& state_dir) {
  return state_dir + "/identity.json";
}
std::string CaPath(const std::string& state_dir) {
  return state_dir + "/ca.pem";
}
std::string SpoolPath(const std::string& state_dir) {
  return state_dir + "/spool.db";
}

Status EnsureStateDir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return InternalError("cannot create state directory " + dir + ": " +
                         ec.message());
  }
  if (::chmod(dir.c_str(), 0700) != 0) return OsError("cannot chmod", dir);
  return Status::Ok();
}

Status WriteFileAtomically(const std::string& path,
                           const std::string& content) {
  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return OsError("cannot create", tmp);
  // open() honours the umask only downwards, but an existing file keeps its
  // mode: force 0600.
  ::fchmod(fd, 0600);
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status s = OsError("cannot write", tmp);
      ::close(fd);
      return s;
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    Status s = OsError("cannot fsync", tmp);
    ::close(fd);
    return s;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return OsError("cannot rename to", path);
  }
  std::string dir = std::filesystem::path(path).parent_path().string();
  return FsyncPath(dir.empty() ? "." : dir, O_RDONLY | O_DIRECTORY);
}

Status SaveIdentity(const std::string& state_dir, const AgentIdentity& id) {
  nlohmann::json j = {{"host_id", id.host_id},
                      {"node_key", id.node_key},
                      {"server", id.server},
                      {"organization", id.organization}};
  return WriteFileAtomically(IdentityPath(state_dir), j.dump(2) + "\n");
}

Result<AgentIdentity> LoadIdentity(const std::string& state_dir) {
  const std::string path = IdentityPath(state_dir);
  Result<std::string> text = ReadFile(path, 1 << 20);
  if (!text.ok()) {
    if (text.status().code() == StatusCode::kNotFound) {
      return FailedPreconditionError("not enrolled (no " + path +
                                     "): run `mamori-agent enroll --state " +
                                     state_dir + " ...` first");
    }
    return text.status();
  }
  AgentIdentity id;
  try {
    nlohmann::json j = nlohmann::json::parse(*text);
    id.host_id = j.at("host_id").get<std::string>();
    id.node_key = j.at("node_key").get<std::string>();
    id.server = j.at("server").get<std::string>();
    id.organization = j.value("organization", "");
  } catch (const nlohmann::json::exception& e) {
    return DataLossError(path + " is damaged (" + e.what() + "): enroll again");
  }
  if (id.host_id.empty() || id.node_key.empty() || id.server.empty()) {
    return DataLossError(path +
                         " lacks host_id, node_key or server: enroll "
                         "again");
  }
  return id;
}

}  // namespace mamori::transport

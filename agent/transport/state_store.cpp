#include "agent/transport/state_store.h"

#include <nlohmann/json.hpp>

#include "agent/platform/files.h"
#include "common/log.h"
#include "common/text.h"

namespace mamori::transport {

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
  Status s = platform::EnsurePrivateDir(dir);
  if (!s.ok()) return InternalError("state directory: " + s.message());
  return s;
}

Status WriteFileAtomically(const std::string& path,
                           const std::string& content) {
  return platform::WritePrivateFileAtomically(path, content);
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
  // The node key authenticates this host: say so when others can read it
  // (it still loads, so a copied-in identity keeps working until fixed).
  if (Status priv = platform::CheckPrivate(path);
      priv.code() == StatusCode::kFailedPrecondition) {
    MAMORI_LOG(kWarning) << priv.message()
                         << "; it holds this host's key: make it private "
                            "or enroll again";
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

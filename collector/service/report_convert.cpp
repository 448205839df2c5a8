#include "collector/service/report_convert.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/util/json_util.h>

#include <set>

#include "collector/pki/crypto.h"
#include "collector/service/part_digest.h"
#include "common/text.h"

namespace mamori::service {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// Seconds of 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z: the range
// protobuf's JSON form can express.
constexpr int64_t kMinTimestampSeconds = -62'135'596'800;
constexpr int64_t kMaxTimestampSeconds = 253'402'300'799;

std::string Join(const std::string& path, const std::string& name) {
  return path.empty() ? name : path + "." + name;
}

Status CheckTimestamp(const Message& message, const std::string& path) {
  const auto& ts = static_cast<const google::protobuf::Timestamp&>(message);
  if (ts.seconds() < kMinTimestampSeconds ||
      ts.seconds() > kMaxTimestampSeconds || ts.nanos() < 0 ||
      ts.nanos() > 999'999'999) {
    return InvalidArgumentError(path + ": timestamp out of range (seconds=" +
                                std::to_string(ts.seconds()) +
                                ", nanos=" + std::to_string(ts.nanos()) + ")");
  }
  return Status::Ok();
}

Status CheckMessage(const Message& message, const std::string& path,
                    const Limits& limits, int depth) {
  if (depth > limits.max_depth) {
    return InvalidArgumentError(path + ": nested too deeply");
  }
  const Descriptor* descriptor = message.GetDescriptor();
  if (descriptor->full_name() == "google.protobuf.Timestamp") {
    return CheckTimestamp(message, path);
  }
  const Reflection* reflection = message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    const std::string field_path = Join(path, field->name());
    if (field->is_repeated()) {
      const int size = reflection->FieldSize(message, field);
      if (size > limits.max_list_entries) {
        return InvalidArgumentError(field_path + ": " + std::to_string(size) +
                                    " entries exceed the limit of " +
                                    std::to_string(limits.max_list_entries));
      }
      if (field->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
        for (int i = 0; i < size; ++i) {
          std::string scratch;
          const std::string& value = reflection->GetRepeatedStringReference(
              message, field, i, &scratch);
          if (value.size() > limits.max_string_bytes) {
            return InvalidArgumentError(
                field_path + "[" + std::to_string(i) + "]: " +
                std::to_string(value.size()) + " bytes exceed the limit of " +
                std::to_string(limits.max_string_bytes));
          }
        }
      } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        for (int i = 0; i < size; ++i) {
          MAMORI_RETURN_IF_ERROR(CheckMessage(
              reflection->GetRepeatedMessage(message, field, i),
              field_path + "[" + std::to_string(i) + "]", limits, depth + 1));
        }
      }
      continue;
    }
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
      std::string scratch;
      const std::string& value =
          reflection->GetStringReference(message, field, &scratch);
      if (value.size() > limits.max_string_bytes) {
        return InvalidArgumentError(field_path + ": " +
                                    std::to_string(value.size()) +
                                    " bytes exceed the limit of " +
                                    std::to_string(limits.max_string_bytes));
      }
    } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      MAMORI_RETURN_IF_ERROR(
          CheckMessage(reflection->GetMessage(message, field), field_path,
                       limits, depth + 1));
    }
  }
  return Status::Ok();
}

Status CheckId(const std::string& value, const std::string& name,
               const Limits& limits) {
  if (value.size() > limits.max_id_bytes) {
    return InvalidArgumentError(name + ": " + std::to_string(value.size()) +
                                " bytes exceed the limit of " +
                                std::to_string(limits.max_id_bytes));
  }
  return Status::Ok();
}

std::string StateName(const Message& family) {
  const FieldDescriptor* status_field =
      family.GetDescriptor()->FindFieldByName("status");
  if (status_field == nullptr ||
      !family.GetReflection()->HasField(family, status_field)) {
    return "COLLECTION_STATE_UNSPECIFIED";
  }
  const auto& status = static_cast<const v1::CollectionStatus&>(
      family.GetReflection()->GetMessage(family, status_field));
  return v1::CollectionState_Name(status.state());
}

std::optional<int64_t> FamilyCollectedAt(const Message& family) {
  const FieldDescriptor* status_field =
      family.GetDescriptor()->FindFieldByName("status");
  if (status_field == nullptr ||
      !family.GetReflection()->HasField(family, status_field)) {
    return std::nullopt;
  }
  const auto& status = static_cast<const v1::CollectionStatus&>(
      family.GetReflection()->GetMessage(family, status_field));
  if (!status.has_collected_at()) return std::nullopt;
  return status.collected_at().seconds();
}

Result<std::string> ToJson(const Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  // Plain fields print their zero values ("enabled": false); fields with
  // presence (`optional`) stay absent when unset, so "unknown" stays NULL
  // for json_extract.
  options.always_print_primitive_fields = true;
  std::string json;
  auto status =
      google::protobuf::util::MessageToJsonString(message, &json, options);
  if (!status.ok()) {
    return InvalidArgumentError("cannot convert " +
                                message.GetDescriptor()->name() +
                                " to JSON: " + std::string(status.message()));
  }
  return json;
}

// The EndpointFacts fields that are fact families (message fields numbered
// 10 and up), by name.
const FieldDescriptor* FamilyField(const std::string& name) {
  const FieldDescriptor* field =
      v1::EndpointFacts::descriptor()->FindFieldByName(name);
  if (field == nullptr || field->number() < 10 ||
      field->type() != FieldDescriptor::TYPE_MESSAGE) {
    return nullptr;
  }
  return field;
}

}  // namespace

std::optional<int64_t> ParseHostId(const std::string& text) {
  std::optional<int64_t> id = ParseInt64(text);
  if (!id.has_value() || *id <= 0) return std::nullopt;
  return id;
}

Status CheckLimits(const Message& message, const Limits& limits) {
  return CheckMessage(message, "", limits, 0);
}

Status CheckEnroll(const v1::EnrollRequest& request, const Limits& limits) {
  MAMORI_RETURN_IF_ERROR(CheckId(request.token(), "token", limits));
  const v1::HostIdentity& id = request.identity();
  MAMORI_RETURN_IF_ERROR(CheckId(id.hostname(), "identity.hostname", limits));
  MAMORI_RETURN_IF_ERROR(
      CheckId(id.machine_id(), "identity.machine_id", limits));
  MAMORI_RETURN_IF_ERROR(
      CheckId(id.smbios_uuid(), "identity.smbios_uuid", limits));
  MAMORI_RETURN_IF_ERROR(CheckId(id.serial(), "identity.serial", limits));
  if (id.macs_size() > 256) {
    return InvalidArgumentError("identity.macs: more than 256 entries");
  }
  for (const std::string& mac : id.macs()) {
    MAMORI_RETURN_IF_ERROR(CheckId(mac, "identity.macs", limits));
  }
  MAMORI_RETURN_IF_ERROR(CheckId(request.os_name(), "os_name", limits));
  MAMORI_RETURN_IF_ERROR(CheckId(request.os_version(), "os_version", limits));
  MAMORI_RETURN_IF_ERROR(
      CheckId(request.agent_version(), "agent_version", limits));
  if (request.csr_pem().size() > 16 * 1024) {
    return InvalidArgumentError("csr_pem: larger than 16 KiB");
  }
  if (request.token().empty())
    return UnauthenticatedError("no enrollment token");
  return Status::Ok();
}

Result<store::ReportInput> ConvertReport(const v1::ReportRequest& request,
                                         const Limits& limits) {
  return ConvertReport(std::make_shared<const v1::ReportRequest>(request),
                       limits);
}

Result<store::ReportInput> ConvertReport(
    std::shared_ptr<const v1::ReportRequest> shared, const Limits& limits) {
  const v1::ReportRequest& request = *shared;
  store::ReportInput out;
  out.wire_bytes = request.ByteSizeLong();
  std::optional<int64_t> host_id = ParseHostId(request.host_id());
  if (!host_id.has_value()) {
    return UnauthenticatedError("host_id is not a host id of this collector");
  }
  out.host_id = *host_id;
  if (request.node_key().size() > limits.max_id_bytes) {
    return UnauthenticatedError("malformed node_key");
  }
  // An empty key is allowed here: a client certificate may stand in for it.
  if (!request.node_key().empty()) {
    out.node_key_hash = pki::Sha256Hex(request.node_key());
  }
  if (request.report_id().empty()) {
    return InvalidArgumentError("report_id: empty");
  }
  MAMORI_RETURN_IF_ERROR(CheckId(request.report_id(), "report_id", limits));
  out.report_id = request.report_id();
  if (request.dropped_reports() > limits.max_dropped_reports) {
    return InvalidArgumentError(
        "dropped_reports: " + std::to_string(request.dropped_reports()) +
        " is implausibly large");
  }
  out.dropped_reports = request.dropped_reports();
  if (request.unchanged_parts_size() > 64) {
    return InvalidArgumentError("unchanged_parts: more than 64 entries");
  }
  MAMORI_RETURN_IF_ERROR(CheckLimits(request, limits));
  if (request.has_collected_at()) {
    out.collected_at = request.collected_at().seconds();
  } else if (request.facts().has_collected_at()) {
    out.collected_at = request.facts().collected_at().seconds();
  }

  const v1::EndpointFacts& facts = request.facts();
  const google::protobuf::Reflection* reflection = facts.GetReflection();
  std::set<std::string> sent;
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(facts, &fields);
  for (const FieldDescriptor* field : fields) {
    if (FamilyField(field->name()) == nullptr) continue;
    const Message& family = reflection->GetMessage(facts, field);
    store::FamilyUpdate update;
    update.family = field->name();
    update.state = StateName(family);
    update.collected_at = FamilyCollectedAt(family);
    if (!update.collected_at.has_value())
      update.collected_at = out.collected_at;
    update.sha256 = PartDigest(family);
    update.payload_fn = [shared, field]() -> Result<std::string> {
      const v1::EndpointFacts& all = shared->facts();
      Result<std::string> json = [&]() -> Result<std::string> {
        if (field->name() != "packages") {
          return ToJson(all.GetReflection()->GetMessage(all, field));
        }
        // The list itself is stored normalised in host_packages.
        v1::PackageFacts without_list;
        *without_list.mutable_status() = all.packages().status();
        without_list.set_content_sha256(all.packages().content_sha256());
        return ToJson(without_list);
      }();
      if (!json.ok())
        return json.status().WithContext("facts." + field->name());
      return json;
    };
    sent.insert(update.family);
    out.families.push_back(std::move(update));
  }
  for (const v1::Package& p : facts.packages().packages()) {
    store::PackageRow row;
    row.name = p.name();
    row.version = p.version();
    row.architecture = p.architecture();
    row.source = v1::PackageSource_Name(p.source());
    row.publisher = p.publisher();
    row.scope = p.scope();
    if (p.has_install_time()) row.install_time = p.install_time().seconds();
    out.packages.push_back(std::move(row));
  }
  for (const v1::PartDigest& part : request.unchanged_parts()) {
    if (FamilyField(part.family()) == nullptr) {
      return InvalidArgumentError("unchanged_parts: unknown family '" +
                                  part.family() + "'");
    }
    if (sent.count(part.family()) != 0) {
      return InvalidArgumentError("unchanged_parts: family '" + part.family() +
                                  "' is also sent in full");
    }
    if (part.sha256().size() != 64) {
      return InvalidArgumentError("unchanged_parts: sha256 of '" +
                                  part.family() + "' is not 64 hex characters");
    }
    out.unchanged.push_back({part.family(), ToLowerAscii(part.sha256())});
  }

  const v1::SystemFacts& system = facts.system();
  out.hostname = system.hostname();
  if (out.hostname.empty()) out.hostname = facts.identity().hostname();
  out.os_name = system.os_name();
  out.os_version = system.os_version();
  out.agent_version = facts.agent_version();
  return out;
}

}  // namespace mamori::service

// Fuzz target: what the collector does with a report's bytes before storing
// it: ParseRequest (protobuf from the gRPC buffer), ConvertReport (limits,
// ids, part digests) and each family's JSON; plus the same bytes as an
// enrollment request. FastJson must print exactly what protobuf's converter
// prints, or decline: a difference aborts (it would store different JSON
// depending on which path ran).

#include <google/protobuf/util/json_util.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/slice.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "collector/service/collector_service.h"
#include "collector/service/report_convert.h"

namespace {

using mamori::service::ConvertReport;
using mamori::service::FastJson;
using mamori::service::Limits;
using mamori::service::ParseRequest;

// Aborts when FastJson prints something protobuf's converter would not.
void CheckFastJson(const google::protobuf::Message& message) {
  std::optional<std::string> fast = FastJson(message);
  if (!fast) return;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string expected;
  if (!google::protobuf::util::MessageToJsonString(message, &expected, options)
           .ok()) {
    std::fprintf(stderr, "FastJson printed what protobuf refuses: %s\n",
                 fast->c_str());
    std::abort();
  }
  if (*fast != expected) {
    std::fprintf(stderr, "FastJson differs:\n fast %s\n  pb  %s\n",
                 fast->c_str(), expected.c_str());
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  grpc::Slice slice(data, size);
  const grpc::ByteBuffer buffer(&slice, 1);
  const Limits limits;

  auto request = std::make_shared<mamori::v1::ReportRequest>();
  if (ParseRequest(buffer, request.get()).ok()) {
    const google::protobuf::Reflection* reflection =
        request->facts().GetReflection();
    std::vector<const google::protobuf::FieldDescriptor*> fields;
    reflection->ListFields(request->facts(), &fields);
    for (const google::protobuf::FieldDescriptor* field : fields) {
      if (field->type() == google::protobuf::FieldDescriptor::TYPE_MESSAGE &&
          !field->is_repeated()) {
        CheckFastJson(reflection->GetMessage(request->facts(), field));
      }
    }
    mamori::Result<mamori::store::ReportInput> input =
        ConvertReport(request, limits);
    if (input.ok()) {
      for (const mamori::store::FamilyUpdate& family : input->families) {
        (void)family.Payload();
      }
    }
  }

  mamori::v1::EnrollRequest enroll;
  if (ParseRequest(buffer, &enroll).ok()) {
    (void)mamori::service::CheckEnroll(enroll, limits);
  }
  return 0;
}

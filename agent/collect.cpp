#include "agent/collect.h"

#include "agent/facts/endpoint_proto.h"
#include "agent/facts/registry.h"

namespace mamori::agent {

Result<mamori::v1::EndpointFacts> CollectEndpointFacts(
    const facts::GatherContext& ctx, const std::vector<std::string>& families) {
  Result<facts::EndpointFacts> collected =
      facts::CollectFamilies(ctx, families);
  if (!collected.ok()) return collected.status();
  mamori::v1::EndpointFacts out;
  MAMORI_RETURN_IF_ERROR(facts::ToProto(*collected, &out));
  return out;
}

}  // namespace mamori::agent

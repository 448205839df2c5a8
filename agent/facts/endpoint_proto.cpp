#include "agent/facts/endpoint_proto.h"

#include "agent/facts/proto_writer.h"

namespace mamori::facts {

Status ToProto(const EndpointFacts& facts, mamori::v1::EndpointFacts* out) {
  return WriteProto(facts, out);
}

}  // namespace mamori::facts

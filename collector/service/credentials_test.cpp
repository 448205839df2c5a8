#include "collector/service/credentials.h"

#include <gtest/gtest.h>

#include "mamori/v1/collector.pb.h"

namespace mamori::service {
namespace {

grpc::ByteBuffer Buffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

TEST(CredentialsTest, ScansHostIdAndNodeKeyWithoutParsingTheRest) {
  v1::ReportRequest request;
  request.set_report_id("r1");
  request.mutable_facts()->mutable_system()->set_hostname(
      std::string(100'000, 'h'));
  request.set_host_id("42");
  request.set_node_key("secret");
  Result<ClaimedCredentials> claimed =
      ScanReportCredentials(Buffer(request.SerializeAsString()));
  ASSERT_TRUE(claimed.ok()) << claimed.status().ToString();
  EXPECT_EQ(claimed->host_id, "42");
  EXPECT_EQ(claimed->node_key, "secret");

  // Fields in any order, the last occurrence wins as in protobuf.
  std::string reordered = request.SerializeAsString();
  reordered += std::string("\x0a\x02") + "43";
  claimed = ScanReportCredentials(Buffer(reordered));
  ASSERT_TRUE(claimed.ok());
  EXPECT_EQ(claimed->host_id, "43");
}

TEST(CredentialsTest, MalformedAndOversizedCredentials) {
  EXPECT_EQ(ScanReportCredentials(Buffer("\x0a\x10short")).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(
      ScanReportCredentials(Buffer(std::string("\x00\x01", 2))).status().code(),
      StatusCode::kInvalidArgument);
  v1::ReportRequest request;
  request.set_host_id("1");
  request.set_node_key(std::string(10'000, 'k'));
  Result<ClaimedCredentials> claimed =
      ScanReportCredentials(Buffer(request.SerializeAsString()));
  ASSERT_TRUE(claimed.ok());
  EXPECT_GT(claimed->node_key.size(), 256u) << "never equal to a real key";
  EXPECT_LT(claimed->node_key.size(), 300u) << "not copied whole";
  Result<ClaimedCredentials> empty = ScanReportCredentials(Buffer(""));
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->host_id.empty());
}

TEST(CredentialsTest, PeerAddressDropsSchemeAndPort) {
  EXPECT_EQ(PeerAddress("ipv4:10.0.0.5:51234"), "10.0.0.5");
  EXPECT_EQ(PeerAddress("ipv6:[::1]:5000"), "::1");
  EXPECT_EQ(PeerAddress("unix:/run/x"), "/run/x");
  EXPECT_EQ(PeerAddress("odd"), "odd");
}

}  // namespace
}  // namespace mamori::service

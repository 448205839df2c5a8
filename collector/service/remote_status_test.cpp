#include "collector/service/remote_status.h"

#include <gtest/gtest.h>

namespace mamori::service {
namespace {

TEST(ToRemoteStatus, OwnRefusalsPassStoreAndOsTextDoesNot) {
  EXPECT_TRUE(ToRemoteStatus(Status::Ok()).ok());
  const grpc::Status refused =
      ToRemoteStatus(InvalidArgumentError("report_id: empty"));
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(refused.error_message(), "report_id: empty");
  EXPECT_EQ(ToRemoteStatus(UnauthenticatedError("bad key")).error_message(),
            "bad key");

  const std::string sql =
      "SQL failed (INSERT INTO host_facts): no such column: secret_col";
  for (const Status& s :
       {InternalError(sql),
        UnavailableError("could not commit reports: " + sql),
        AbortedError("UNIQUE constraint failed: hosts.node_key_hash"),
        NotFoundError("cannot open database /var/lib/x/collector.db: ...")}) {
    const grpc::Status sent = ToRemoteStatus(s);
    EXPECT_EQ(static_cast<int>(sent.error_code()), static_cast<int>(s.code()));
    EXPECT_EQ(sent.error_message().find("secret_col"), std::string::npos);
    EXPECT_EQ(sent.error_message().find("hosts."), std::string::npos);
    EXPECT_EQ(sent.error_message().find("/var/lib"), std::string::npos);
    EXPECT_NE(sent.error_message().find("incident"), std::string::npos);
  }
}

}  // namespace
}  // namespace mamori::service

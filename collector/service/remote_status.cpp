#include "collector/service/remote_status.h"

#include <atomic>

#include "common/log.h"

namespace mamori::service {

bool IsClientFacingCode(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
    case StatusCode::kCancelled:
    case StatusCode::kInvalidArgument:
    case StatusCode::kDeadlineExceeded:
    case StatusCode::kAlreadyExists:
    case StatusCode::kPermissionDenied:
    case StatusCode::kResourceExhausted:
    case StatusCode::kFailedPrecondition:
    case StatusCode::kOutOfRange:
    case StatusCode::kUnimplemented:
    case StatusCode::kUnauthenticated:
      return true;
    default:
      return false;
  }
}

grpc::Status ToRemoteStatus(const Status& status) {
  if (status.ok()) return grpc::Status::OK;
  const auto code = static_cast<grpc::StatusCode>(status.code());
  if (IsClientFacingCode(status.code())) {
    return grpc::Status(code, status.message());
  }
  static std::atomic<uint64_t> incidents{0};
  const uint64_t incident = incidents.fetch_add(1) + 1;
  MAMORI_LOG(kError) << "incident " << incident << " (sent to the client as "
                     << "code " << static_cast<int>(status.code())
                     << " without details): " << status.message();
  const std::string number = std::to_string(incident);
  if (status.code() == StatusCode::kUnavailable ||
      status.code() == StatusCode::kAborted) {
    return grpc::Status(
        code,
        "collector temporarily unable to store; retry "
        "later (incident " +
            number +
            ") / コレクタが一時的に処理できません。後で再試行してください");
  }
  return grpc::Status(code,
                      "collector internal error (incident " + number +
                          " in the collector's log) / コレクタ内部エラー");
}

}  // namespace mamori::service

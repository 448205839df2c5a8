// Windows implementation of the stop events (console control handler) and
// of the service entry (service control manager).
#include <windows.h>

#include <mutex>

#include "agent/platform/stop.h"
#include "agent/platform/win_util.h"

namespace mamori::platform {
namespace {

// --- console control events ---
std::mutex route_mu;
std::condition_variable route_done;
StopRequest* route_target = nullptr;  // guarded by route_mu

const char* CtrlName(DWORD type) {
  switch (type) {
    case CTRL_C_EVENT:
      return "Ctrl+C";
    case CTRL_BREAK_EVENT:
      return "Ctrl+Break";
    case CTRL_CLOSE_EVENT:
      return "console closed";
    case CTRL_SHUTDOWN_EVENT:
      return "system shutdown";
    default:
      return "console event";
  }
}

}  // namespace

namespace win {
BOOL WINAPI OnConsoleCtrl(DWORD type) {
  // Only services see logoff, and a service must not stop for it.
  if (type == CTRL_LOGOFF_EVENT) return TRUE;
  std::unique_lock<std::mutex> lock(route_mu);
  if (route_target == nullptr) return FALSE;  // default: end the process
  route_target->Request(CtrlName(type));
  if (type == CTRL_CLOSE_EVENT || type == CTRL_SHUTDOWN_EVENT) {
    // Windows ends the process when this returns: give the loop time to
    // finish the RPC in flight and commit its acknowledgement.
    route_done.wait_for(lock, std::chrono::seconds(4),
                        [] { return route_target == nullptr; });
  }
  return TRUE;
}
}  // namespace win

namespace {

// --- service ---
std::mutex service_mu;
SERVICE_STATUS_HANDLE service_handle = nullptr;  // guarded by service_mu
SERVICE_STATUS service_status{};                 // guarded by service_mu
StopRequest* service_stop = nullptr;             // guarded by service_mu
const std::function<int(StopRequest&)>* service_body = nullptr;
std::wstring service_name;
int service_result = 0;
Status service_error = Status::Ok();

void SetState(DWORD state, DWORD wait_hint_ms = 0) {
  std::lock_guard<std::mutex> lock(service_mu);
  if (service_handle == nullptr) return;
  service_status.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
  service_status.dwCurrentState = state;
  service_status.dwControlsAccepted =
      state == SERVICE_RUNNING ? SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN
                               : 0;
  service_status.dwWaitHint = wait_hint_ms;
  if (state == SERVICE_START_PENDING || state == SERVICE_STOP_PENDING) {
    ++service_status.dwCheckPoint;
  } else {
    service_status.dwCheckPoint = 0;
  }
  SetServiceStatus(service_handle, &service_status);
}

DWORD WINAPI OnServiceControl(DWORD control, DWORD /*event_type*/,
                              void* /*event_data*/, void* /*context*/) {
  switch (control) {
    case SERVICE_CONTROL_STOP:
    case SERVICE_CONTROL_SHUTDOWN: {
      // An RPC in flight may take up to its deadline before the loop sees
      // the request.
      SetState(SERVICE_STOP_PENDING, 60000);
      std::lock_guard<std::mutex> lock(service_mu);
      if (service_stop != nullptr) {
        service_stop->Request(control == SERVICE_CONTROL_STOP
                                  ? "service stop"
                                  : "system shutdown");
      }
      return NO_ERROR;
    }
    case SERVICE_CONTROL_INTERROGATE:
      return NO_ERROR;
    default:
      return ERROR_CALL_NOT_IMPLEMENTED;
  }
}

void WINAPI ServiceMain(DWORD /*argc*/, wchar_t** /*argv*/) {
  SERVICE_STATUS_HANDLE handle = RegisterServiceCtrlHandlerExW(
      service_name.c_str(), OnServiceControl, nullptr);
  if (handle == nullptr) {
    service_error = win::WinError("cannot register the control handler of",
                                  "the service", GetLastError());
    service_result = 4;
    return;
  }
  {
    std::lock_guard<std::mutex> lock(service_mu);
    service_handle = handle;
    service_status = SERVICE_STATUS{};
  }
  SetState(SERVICE_START_PENDING, 10000);
  StopRequest stop;
  {
    std::lock_guard<std::mutex> lock(service_mu);
    service_stop = &stop;
  }
  SetState(SERVICE_RUNNING);
  const int rc = (*service_body)(stop);
  {
    std::lock_guard<std::mutex> lock(service_mu);
    service_stop = nullptr;
    service_result = rc;
    service_status.dwWin32ExitCode =
        rc == 0 ? NO_ERROR : ERROR_SERVICE_SPECIFIC_ERROR;
    service_status.dwServiceSpecificExitCode = static_cast<DWORD>(rc);
  }
  // After STOPPED the SCM may end the process at any time; nothing follows.
  SetState(SERVICE_STOPPED);
}

}  // namespace

Result<std::unique_ptr<StopEventRoute>> StopEventRoute::Install(
    StopRequest* stop) {
  std::lock_guard<std::mutex> lock(route_mu);
  if (route_target != nullptr) {
    return FailedPreconditionError("a stop-event route is already installed");
  }
  if (!SetConsoleCtrlHandler(win::OnConsoleCtrl, TRUE)) {
    return win::WinError("cannot install", "the console control handler",
                         GetLastError());
  }
  route_target = stop;
  return std::unique_ptr<StopEventRoute>(new StopEventRoute());
}

StopEventRoute::~StopEventRoute() {
  {
    std::lock_guard<std::mutex> lock(route_mu);
    route_target = nullptr;
  }
  route_done.notify_all();
  SetConsoleCtrlHandler(win::OnConsoleCtrl, FALSE);
}

Result<int> RunAsService(const std::string& name,
                         const std::function<int(StopRequest&)>& body) {
  Result<std::wstring> wname = win::Utf8ToWide(name);
  if (!wname.ok() || wname->empty()) {
    return InvalidArgumentError("bad service name '" + name + "'");
  }
  service_name = *wname;
  service_body = &body;
  service_result = 0;
  service_error = Status::Ok();
  SERVICE_TABLE_ENTRYW table[] = {{service_name.data(), ServiceMain},
                                  {nullptr, nullptr}};
  // Blocks until the service has stopped; ServiceMain runs on its own thread.
  if (!StartServiceCtrlDispatcherW(table)) {
    const DWORD err = GetLastError();
    service_body = nullptr;
    if (err == ERROR_FAILED_SERVICE_CONTROLLER_CONNECT) {
      return FailedPreconditionError(
          "--service: this process was not started by the service control "
          "manager (use `sc start " +
          name + "`, or run without --service in a console)");
    }
    return win::WinError("cannot connect to", "the service control manager",
                         err);
  }
  service_body = nullptr;
  if (!service_error.ok()) return service_error;
  return service_result;
}

}  // namespace mamori::platform

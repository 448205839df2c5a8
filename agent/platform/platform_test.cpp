// Tests of the platform seam. The same file runs natively on Linux and, in
// the mingw cross build, under Wine; the platform-specific checks are in
// #ifdef blocks, and what Wine cannot do is skipped with the reason.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "agent/platform/files.h"
#include "agent/platform/paths.h"
#include "agent/platform/process.h"
#include "agent/platform/stop.h"

#ifdef _WIN32
#include <windows.h>
//
#include <aclapi.h>
#include <sddl.h>

#include "agent/platform/win_util.h"
#else
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace mamori::platform {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

// UTF-8 text <-> filesystem path on both platforms (a plain std::string is
// the ANSI code page for std::filesystem on Windows).
fs::path FsPath(const std::string& utf8) {
  return fs::path(std::u8string(reinterpret_cast<const char8_t*>(utf8.data()),
                                utf8.size()));
}
std::string Utf8(const fs::path& p) {
  const std::u8string s = p.u8string();
  return std::string(reinterpret_cast<const char*>(s.data()), s.size());
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(FsPath(path), std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}
void WriteLoose(const std::string& path, const std::string& content) {
  std::ofstream out(FsPath(path), std::ios::binary | std::ios::trunc);
  out << content;
}

#ifdef _WIN32
bool UnderWine() {
  HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
  return ntdll != nullptr &&
         GetProcAddress(ntdll, "wine_get_version") != nullptr;
}

// Replaces the DACL of `path` with one entry: Everyone, full access (by SID:
// the SDDL alias WD).
DWORD GrantEveryone(const std::string& path) {
  PSECURITY_DESCRIPTOR sd = nullptr;
  if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(
          L"D:P(A;OICI;FA;;;WD)", SDDL_REVISION_1, &sd, nullptr)) {
    return GetLastError();
  }
  BOOL present = FALSE;
  BOOL defaulted = FALSE;
  PACL dacl = nullptr;
  GetSecurityDescriptorDacl(sd, &present, &dacl, &defaulted);
  std::wstring wide = FsPath(path).wstring();
  const DWORD rc = SetNamedSecurityInfoW(
      wide.data(), SE_FILE_OBJECT,
      DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION, nullptr,
      nullptr, dacl, nullptr);
  LocalFree(sd);
  return rc;
}

// The DACL of `path` in SDDL, for messages.
std::string Sddl(const std::string& path) {
  PSECURITY_DESCRIPTOR sd = nullptr;
  if (GetNamedSecurityInfoW(FsPath(path).c_str(), SE_FILE_OBJECT,
                            DACL_SECURITY_INFORMATION, nullptr, nullptr,
                            nullptr, nullptr, &sd) != ERROR_SUCCESS) {
    return "(unreadable)";
  }
  wchar_t* text = nullptr;
  std::string out = "(unconvertible)";
  if (ConvertSecurityDescriptorToStringSecurityDescriptorW(
          sd, SDDL_REVISION_1, DACL_SECURITY_INFORMATION, &text, nullptr)) {
    out = win::WideToUtf8(text);
    LocalFree(text);
  }
  LocalFree(sd);
  return out;
}
#endif

class PlatformFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    // A Japanese component checks the UTF-8 → UTF-16 path on Windows.
    root_ = Utf8(fs::temp_directory_path() /
                 ("mamori-platform-" + std::to_string(rd()))) +
            "/状態";
    std::error_code ec;
    fs::create_directories(FsPath(root_), ec);
    ASSERT_FALSE(ec) << ec.message();
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(FsPath(root_).parent_path(), ec);
  }
  // Tests of the permissions themselves call this first. Wine 8 does not
  // store a file's DACL: SetSecurityInfo succeeds, but what reads back is
  // synthesised from the Unix mode bits (owner, SYSTEM, Everyone read). The
  // probe detects that, so a Wine that keeps DACLs runs these tests.
  bool WineIgnoresFileDacls(std::string* read_back) {
#ifdef _WIN32
    if (!UnderWine()) return false;
    const std::string probe = root_ + "/dacl-probe";
    if (!WritePrivateFileAtomically(probe, "x").ok()) return false;
    const bool ignored = !CheckPrivate(probe).ok();
    *read_back = Sddl(probe);
    return ignored;
#else
    (void)read_back;
    return false;
#endif
  }
  std::string root_;
};

#define SKIP_IF_WINE_IGNORES_FILE_DACLS()                                   \
  do {                                                                      \
    std::string read_back;                                                  \
    if (WineIgnoresFileDacls(&read_back)) {                                 \
      GTEST_SKIP() << "Wine does not store file DACLs (it synthesises one " \
                      "from the Unix mode; a private file reads back as "   \
                   << read_back << "): verify on real Windows";             \
    }                                                                       \
  } while (false)

TEST_F(PlatformFilesTest, AtomicWriteRoundTrips) {
  const std::string path = root_ + "/identity.json";
  const std::string content("{\"k\":\"鍵\"}\n\0tail", 17);
  ASSERT_TRUE(WritePrivateFileAtomically(path, content).ok());
  EXPECT_EQ(ReadAll(path), content);
  EXPECT_FALSE(fs::exists(FsPath(path + ".tmp")));
  ASSERT_TRUE(WritePrivateFileAtomically(path, "second").ok());
  EXPECT_EQ(ReadAll(path), "second");
}

TEST_F(PlatformFilesTest, AtomicWriteIsPrivate) {
  SKIP_IF_WINE_IGNORES_FILE_DACLS();
  const std::string path = root_ + "/identity.json";
  // Loose before: the replacement must not keep the old permissions.
  WriteLoose(path, "old");
#ifndef _WIN32
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
#endif
  ASSERT_TRUE(WritePrivateFileAtomically(path, "new").ok());
  Status check = CheckPrivate(path);
  EXPECT_TRUE(check.ok()) << check.ToString();
}

TEST_F(PlatformFilesTest, FailureBeforeRenameKeepsOldContent) {
  const std::string path = root_ + "/ca.pem";
  ASSERT_TRUE(WritePrivateFileAtomically(path, "old").ok());
  // The temporary file cannot be created: a directory has its name.
  fs::create_directory(FsPath(path + ".tmp"));
  Status s = WritePrivateFileAtomically(path, "new");
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr(".tmp"));
  EXPECT_EQ(ReadAll(path), "old");
}

TEST_F(PlatformFilesTest, FailedRenameKeepsOldContentAndRemovesTemporary) {
  const std::string path = root_ + "/ca.pem";
#ifdef _WIN32
  ASSERT_TRUE(WritePrivateFileAtomically(path, "old").ok());
  // Held open without FILE_SHARE_DELETE, the target cannot be replaced.
  HANDLE h = CreateFileW(FsPath(path).c_str(), GENERIC_READ, FILE_SHARE_READ,
                         nullptr, OPEN_EXISTING, 0, nullptr);
  ASSERT_NE(h, INVALID_HANDLE_VALUE);
  Status s = WritePrivateFileAtomically(path, "new");
  CloseHandle(h);
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("cannot rename"));
  EXPECT_EQ(ReadAll(path), "old");
#else
  // rename(2) cannot replace a non-empty directory.
  fs::create_directories(FsPath(path + "/inside"));
  Status s = WritePrivateFileAtomically(path, "new");
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("cannot rename"));
  EXPECT_TRUE(fs::is_directory(FsPath(path + "/inside")));
#endif
  EXPECT_FALSE(fs::exists(FsPath(path + ".tmp")));
}

TEST_F(PlatformFilesTest, LooseFileIsReportedAndMissingIsNotFound) {
  const std::string path = root_ + "/identity.json";
  EXPECT_EQ(CheckPrivate(path).code(), StatusCode::kNotFound);
  WriteLoose(path, "x");
#ifdef _WIN32
  ASSERT_EQ(GrantEveryone(path), static_cast<DWORD>(ERROR_SUCCESS));
  Status s = CheckPrivate(path);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << s.ToString();
  EXPECT_THAT(s.message(), HasSubstr("S-1-1-0 (Everyone)"));
#else
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  Status s = CheckPrivate(path);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr("mode 0644"));
#endif
}

TEST_F(PlatformFilesTest, StaleLooseTemporaryFileDoesNotLeakItsPermissions) {
  SKIP_IF_WINE_IGNORES_FILE_DACLS();
  const std::string path = root_ + "/identity.json";
  // A crash after creating the temporary file left it behind, readable.
  WriteLoose(path + ".tmp", "stale");
#ifndef _WIN32
  ASSERT_EQ(::chmod((path + ".tmp").c_str(), 0666), 0);
#endif
  ASSERT_TRUE(WritePrivateFileAtomically(path, "fresh").ok());
  EXPECT_EQ(ReadAll(path), "fresh");
  Status check = CheckPrivate(path);
  EXPECT_TRUE(check.ok()) << check.ToString();
}

#ifndef _WIN32
TEST_F(PlatformFilesTest, TemporaryFileSymlinkIsNotFollowed) {
  const std::string path = root_ + "/identity.json";
  const std::string victim = root_ + "/victim";
  WriteLoose(victim, "precious");
  ASSERT_EQ(::chmod(victim.c_str(), 0644), 0);
  // Planted where the temporary file goes: writing through it would
  // truncate and overwrite the victim (and chmod it 0600).
  ASSERT_EQ(::symlink(victim.c_str(), (path + ".tmp").c_str()), 0);
  ASSERT_TRUE(WritePrivateFileAtomically(path, "fresh").ok());
  EXPECT_EQ(ReadAll(path), "fresh");
  EXPECT_EQ(ReadAll(victim), "precious");
  struct stat st {};
  ASSERT_EQ(::lstat(path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  ASSERT_EQ(::stat(victim.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
}
#endif

TEST_F(PlatformFilesTest, PrivateDirCreatesParentsAndKeepsExistingFiles) {
  const std::string dir = root_ + "/a/b/state";
  ASSERT_TRUE(EnsurePrivateDir(dir).ok());
  ASSERT_TRUE(EnsurePrivateDir(dir).ok());  // existing: fine
  EXPECT_TRUE(fs::is_directory(FsPath(dir)));
  const std::string db = dir + "/spool.db";
  ASSERT_TRUE(CreatePrivateFileIfMissing(db).ok());
  EXPECT_TRUE(fs::exists(FsPath(db)));
  EXPECT_EQ(ReadAll(db), "");
  // An existing file is left alone.
  WriteLoose(db, "data");
  ASSERT_TRUE(CreatePrivateFileIfMissing(db).ok());
  EXPECT_EQ(ReadAll(db), "data");
  // A path that cannot be a directory is an error naming it.
  WriteLoose(root_ + "/file", "x");
  Status s = EnsurePrivateDir(root_ + "/file");
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("file"));
}

TEST_F(PlatformFilesTest, PrivateDirAndFileCreatedInside) {
  SKIP_IF_WINE_IGNORES_FILE_DACLS();
  const std::string dir = root_ + "/a/b/state";
  ASSERT_TRUE(EnsurePrivateDir(dir).ok());
  Status dir_check = CheckPrivate(dir);
  EXPECT_TRUE(dir_check.ok()) << dir_check.ToString();
  const std::string db = dir + "/spool.db";
  ASSERT_TRUE(CreatePrivateFileIfMissing(db).ok());
  EXPECT_TRUE(fs::exists(FsPath(db)));
  Status check = CheckPrivate(db);
  EXPECT_TRUE(check.ok()) << check.ToString();
#ifdef _WIN32
  // A loose existing directory is made private.
  ASSERT_EQ(GrantEveryone(dir), static_cast<DWORD>(ERROR_SUCCESS));
  ASSERT_FALSE(CheckPrivate(dir).ok());
  ASSERT_TRUE(EnsurePrivateDir(dir).ok());
  Status again = CheckPrivate(dir);
  EXPECT_TRUE(again.ok()) << again.ToString();
#else
  struct stat st {};
  ASSERT_EQ(::stat(dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  // A loose existing directory is tightened (chmod 0700).
  ASSERT_EQ(::chmod(dir.c_str(), 0755), 0);
  ASSERT_TRUE(EnsurePrivateDir(dir).ok());
  ASSERT_EQ(::stat(dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
#endif
}

#ifdef _WIN32
// What WritePrivateFileAtomically set must read back exactly: a protected
// DACL whose only entries allow FILE_ALL_ACCESS to the current user,
// LocalSystem and Administrators.
TEST_F(PlatformFilesTest, WindowsDaclReadsBack) {
  SKIP_IF_WINE_IGNORES_FILE_DACLS();
  const std::string path = root_ + "/identity.json";
  ASSERT_TRUE(WritePrivateFileAtomically(path, "x").ok());
  PACL dacl = nullptr;
  PSECURITY_DESCRIPTOR sd = nullptr;
  ASSERT_EQ(GetNamedSecurityInfoW(FsPath(path).c_str(), SE_FILE_OBJECT,
                                  DACL_SECURITY_INFORMATION, nullptr, nullptr,
                                  &dacl, nullptr, &sd),
            static_cast<DWORD>(ERROR_SUCCESS));
  ASSERT_NE(dacl, nullptr);
  SECURITY_DESCRIPTOR_CONTROL control = 0;
  DWORD revision = 0;
  GetSecurityDescriptorControl(sd, &control, &revision);
  std::vector<std::string> sids;
  std::vector<DWORD> masks;
  ACL_SIZE_INFORMATION info{};
  GetAclInformation(dacl, &info, sizeof(info), AclSizeInformation);
  for (DWORD i = 0; i < info.AceCount; ++i) {
    void* ace = nullptr;
    ASSERT_TRUE(GetAce(dacl, i, &ace));
    auto* allowed = static_cast<ACCESS_ALLOWED_ACE*>(ace);
    ASSERT_EQ(allowed->Header.AceType, ACCESS_ALLOWED_ACE_TYPE);
    sids.push_back(win::DescribeSid(&allowed->SidStart));
    masks.push_back(allowed->Mask);
  }
  LocalFree(sd);
  Result<win::Sid> me = win::CurrentUserSid();
  ASSERT_TRUE(me.ok());
  std::vector<std::string> expected = {win::DescribeSid(me->data()), "S-1-5-18",
                                       "S-1-5-32-544"};
  if (expected[0] == expected[1]) expected.erase(expected.begin());
  EXPECT_EQ(sids, expected);
  for (DWORD mask : masks) EXPECT_EQ(mask, static_cast<DWORD>(FILE_ALL_ACCESS));
  EXPECT_NE(control & SE_DACL_PROTECTED, 0);
}

TEST(PlatformWindowsTest, Utf8Utf16RoundTrip) {
  const std::string text = "C:\\ProgramData\\mamori\\状態\\spool.db";
  Result<std::wstring> wide = win::Utf8ToWide(text);
  ASSERT_TRUE(wide.ok());
  EXPECT_EQ(*wide, L"C:\\ProgramData\\mamori\\\u72b6\u614b\\spool.db");
  EXPECT_EQ(win::WideToUtf8(*wide), text);
  EXPECT_FALSE(win::Utf8ToWide("bad \xff byte").ok());
}

TEST(PlatformWindowsTest, CommandLineSplitsToUtf8) {
  const std::vector<std::string> args = win::SplitCommandLine(
      L"\"C:\\Program Files\\mamori\\mamori-agent.exe\" run --state "
      L"\"D:\\\u30c7\u30fc\u30bf\\mamori\" --service");
  EXPECT_EQ(args, (std::vector<std::string>{
                      "C:\\Program Files\\mamori\\mamori-agent.exe", "run",
                      "--state", "D:\\データ\\mamori", "--service"}));
}
#endif

TEST(PlatformPathsTest, Defaults) {
#ifdef _WIN32
  wchar_t env[MAX_PATH];
  const DWORD n = GetEnvironmentVariableW(L"ProgramData", env, MAX_PATH);
  ASSERT_GT(n, 0u);
  const std::string program_data = win::WideToUtf8(std::wstring_view(env, n));
  EXPECT_EQ(DefaultConfigPath(), program_data + "\\mamori\\agent.conf");
  EXPECT_EQ(DefaultStateDir(), program_data + "\\mamori\\state");
#else
  EXPECT_EQ(DefaultConfigPath(), "/etc/mamori/agent.conf");
  EXPECT_EQ(DefaultStateDir(), "/var/lib/mamori");
#endif
}

TEST(PlatformStopTest, RequestFromAnotherThreadWakesTheWaiter) {
  StopRequest stop;
  EXPECT_FALSE(stop.WaitFor(std::chrono::milliseconds(0)));
  EXPECT_FALSE(stop.requested());
  std::atomic<bool> waiting{false};
  std::thread other([&] {
    while (!waiting.load()) std::this_thread::yield();
    stop.Request("test");
    stop.Request("second reason is ignored");
  });
  waiting = true;
  // Far longer than any run; returns as soon as the other thread asks.
  EXPECT_TRUE(stop.WaitFor(std::chrono::hours(1)));
  other.join();
  EXPECT_TRUE(stop.requested());
  EXPECT_EQ(stop.reason(), "test");
  EXPECT_TRUE(stop.WaitFor(std::chrono::milliseconds(-5)));
}

TEST(PlatformStopTest, OneRouteAtATime) {
  StopRequest first;
  StopRequest second;
  {
    auto route = StopEventRoute::Install(&first);
    ASSERT_TRUE(route.ok()) << route.status().ToString();
    EXPECT_EQ(StopEventRoute::Install(&second).status().code(),
              StatusCode::kFailedPrecondition);
  }
  auto again = StopEventRoute::Install(&second);
  EXPECT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_FALSE(first.requested());
  EXPECT_FALSE(second.requested());
}

#ifndef _WIN32
TEST(PlatformStopTest, SigtermReachesTheRoute) {
  StopRequest stop;
  auto route = StopEventRoute::Install(&stop);
  ASSERT_TRUE(route.ok());
  ASSERT_EQ(::kill(::getpid(), SIGTERM), 0);
  EXPECT_TRUE(stop.WaitFor(std::chrono::hours(1)));
  EXPECT_EQ(stop.reason(), "SIGTERM");
}

TEST(PlatformStopTest, SignalWithoutRouteGoesToTheNextOne) {
  {
    StopRequest first;
    auto route = StopEventRoute::Install(&first);  // blocks the signals
    ASSERT_TRUE(route.ok());
  }
  ASSERT_EQ(::kill(::getpid(), SIGINT), 0);
  StopRequest next;
  // The signal thread may take it before or after this Install: either way
  // it must arrive.
  auto route = StopEventRoute::Install(&next);
  ASSERT_TRUE(route.ok());
  EXPECT_TRUE(next.WaitFor(std::chrono::hours(1)));
  EXPECT_EQ(next.reason(), "SIGINT");
}
#else
TEST(PlatformStopTest, ConsoleBreakReachesTheRoute) {
  StopRequest stop;
  {
    auto route = StopEventRoute::Install(&stop);
    ASSERT_TRUE(route.ok()) << route.status().ToString();
    // As Windows does: the handler runs on a thread of its own.
    BOOL handled = FALSE;
    std::thread windows(
        [&] { handled = win::OnConsoleCtrl(CTRL_BREAK_EVENT); });
    EXPECT_TRUE(stop.WaitFor(std::chrono::hours(1)));
    windows.join();
    EXPECT_TRUE(handled);
    EXPECT_EQ(stop.reason(), "Ctrl+Break");
    // Logoff is for services to ignore.
    EXPECT_TRUE(win::OnConsoleCtrl(CTRL_LOGOFF_EVENT));
  }
  // Without a route the default handling (ending the process) applies.
  EXPECT_FALSE(win::OnConsoleCtrl(CTRL_C_EVENT));
}
#endif

#ifdef _WIN32
// Closes a service-manager handle.
struct ScHandle {
  SC_HANDLE h = nullptr;
  ~ScHandle() {
    if (h != nullptr) CloseServiceHandle(h);
  }
};

// Polls the service until it reaches `state` or 600 polls (30 s) pass, so a
// stuck service fails the test instead of hanging it. No timing is asserted.
SERVICE_STATUS WaitForState(SC_HANDLE service, DWORD state) {
  SERVICE_STATUS status{};
  for (int i = 0; i < 600; ++i) {
    if (!QueryServiceStatus(service, &status)) break;
    if (status.dwCurrentState == state) break;
    Sleep(50);
  }
  return status;
}

// The whole service path through the real service control manager: install
// the probe (service_probe.cpp), start it, stop it, check what RunAsService
// reported and that the body saw the stop request.
TEST_F(PlatformFilesTest, ServiceStartsAndStopsUnderTheServiceManager) {
  wchar_t self[MAX_PATH];
  const DWORD n = GetModuleFileNameW(nullptr, self, MAX_PATH);
  ASSERT_GT(n, 0u);
  const fs::path probe = fs::path(std::wstring(self, n)).parent_path() /
                         L"mamori_platform_service_probe.exe";
  ASSERT_TRUE(fs::exists(probe)) << Utf8(probe);

  // First, outside the service manager: a clear error and no body run.
  // (Part of this test, not a parallel one: Wine hands a starting service's
  // control pipe to whichever process asks first.)
  bool ran = false;
  Result<int> outside = RunAsService("mamori-agent", [&](StopRequest&) {
    ran = true;
    return 0;
  });
  EXPECT_FALSE(ran);
  EXPECT_EQ(outside.status().code(), StatusCode::kFailedPrecondition)
      << outside.status().ToString();
  EXPECT_THAT(outside.status().message(), HasSubstr("service control manager"));

  const fs::path marker = FsPath(root_) / L"marker.txt";
  std::random_device rd;
  const std::wstring name = L"mamori-test-" + std::to_wstring(rd());
  const std::wstring command = L"\"" + probe.wstring() + L"\" " + name +
                               L" \"" + marker.wstring() + L"\"";

  ScHandle manager{OpenSCManagerW(nullptr, nullptr, SC_MANAGER_CREATE_SERVICE)};
  if (manager.h == nullptr && GetLastError() == ERROR_ACCESS_DENIED) {
    GTEST_SKIP() << "installing a service needs an elevated prompt";
  }
  ASSERT_NE(manager.h, nullptr) << GetLastError();
  ScHandle service{CreateServiceW(
      manager.h, name.c_str(), name.c_str(),
      SERVICE_START | SERVICE_STOP | SERVICE_QUERY_STATUS | DELETE,
      SERVICE_WIN32_OWN_PROCESS, SERVICE_DEMAND_START, SERVICE_ERROR_NORMAL,
      command.c_str(), nullptr, nullptr, nullptr, nullptr, nullptr)};
  ASSERT_NE(service.h, nullptr) << GetLastError();
  struct Remove {
    SC_HANDLE h;
    ~Remove() {
      SERVICE_STATUS status{};
      ControlService(h, SERVICE_CONTROL_STOP, &status);
      DeleteService(h);
    }
  } remove{service.h};

  ASSERT_TRUE(StartServiceW(service.h, 0, nullptr)) << GetLastError();
  EXPECT_EQ(WaitForState(service.h, SERVICE_RUNNING).dwCurrentState,
            static_cast<DWORD>(SERVICE_RUNNING));
  // RUNNING is reported before the body starts: wait for its marker.
  for (int i = 0; i < 600 && ReadAll(Utf8(marker)).empty(); ++i) Sleep(50);
  EXPECT_EQ(ReadAll(Utf8(marker)), "running\n");

  SERVICE_STATUS status{};
  ASSERT_TRUE(ControlService(service.h, SERVICE_CONTROL_STOP, &status))
      << GetLastError();
  status = WaitForState(service.h, SERVICE_STOPPED);
  EXPECT_EQ(status.dwCurrentState, static_cast<DWORD>(SERVICE_STOPPED));
  // The body returned 3: a service-specific exit code.
  EXPECT_EQ(status.dwWin32ExitCode,
            static_cast<DWORD>(ERROR_SERVICE_SPECIFIC_ERROR));
  EXPECT_EQ(status.dwServiceSpecificExitCode, 3u);
  EXPECT_EQ(ReadAll(Utf8(marker)), "running\nstopped: service stop\n");
}
#endif

#ifndef _WIN32
TEST(PlatformServiceTest, OutsideWindowsIsAClearError) {
  bool ran = false;
  Result<int> rc = RunAsService("mamori-agent", [&](StopRequest&) {
    ran = true;
    return 0;
  });
  EXPECT_FALSE(ran);
  EXPECT_EQ(rc.status().code(), StatusCode::kUnimplemented);
  EXPECT_THAT(rc.status().message(), HasSubstr("systemd"));
}
#endif

}  // namespace
}  // namespace mamori::platform

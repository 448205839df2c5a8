// Tests of the Windows OS plumbing: UTF-16 conversion, registry reads with
// their absent/wrong-type outcomes, error mapping, and WMI (ROOT\CIMV2 works
// under Wine; namespaces Wine lacks must fail with their HRESULT).
#include <gtest/gtest.h>
// Windows headers: <windows.h> first, then the rest in dependency order.
// clang-format off
#include <windows.h>
// clang-format on

#include "agent/facts/windows/registry_key.h"
#include "agent/facts/windows/system_parts.h"
#include "agent/facts/windows/test_support.h"
#include "agent/facts/windows/win_error.h"
#include "agent/facts/windows/win_text.h"
#include "agent/facts/windows/wmi.h"

namespace mamori::facts::win {
namespace {

TEST(WinTextTest, JapaneseRoundTrip) {
  const std::string text =
      "会計ソフト 弥生 2024 — 𠮷野家";  // BMP + surrogate pair
  const std::wstring wide = Utf8ToWide(text);
  EXPECT_EQ(wide.size(), 20u);  // 𠮷 is two UTF-16 units
  EXPECT_EQ(wide[0], L'\x4F1A');
  EXPECT_EQ(WideToUtf8(wide), text);
}

TEST(WinTextTest, BrokenInputBecomesReplacementCharacter) {
  EXPECT_EQ(WideToUtf8(std::wstring(L"a\xD800z")), "a\xEF\xBF\xBDz");
  EXPECT_EQ(WideToUtf8(Utf8ToWide("a\xFFz")), "a\xEF\xBF\xBDz");
  EXPECT_EQ(WideToUtf8(static_cast<const wchar_t*>(nullptr)), "");
}

TEST(WinErrorTest, MapsCodesToStates) {
  CollectionStatus denied =
      Win32Status("RegOpenKeyExW HKLM\\X", ERROR_ACCESS_DENIED);
  EXPECT_EQ(denied.state, CollectionState::kPermissionDenied);
  EXPECT_EQ(denied.error_code, 5);
  EXPECT_NE(denied.message.find("HKLM\\X"), std::string::npos);
  EXPECT_NE(denied.message.find("Win32 error 5"), std::string::npos);

  CollectionStatus ns = HresultStatus("WMI ConnectServer ROOT\\X",
                                      static_cast<long>(0x8004100EL));
  EXPECT_EQ(ns.state, CollectionState::kUnsupported);
  EXPECT_EQ(ns.error_code, 0x8004100EL);
  EXPECT_NE(ns.message.find("WBEM_E_INVALID_NAMESPACE"), std::string::npos);
  EXPECT_NE(ns.message.find("0x8004100E"), std::string::npos);

  EXPECT_EQ(HresultStatus("x", E_NOTIMPL).state, CollectionState::kUnsupported);
  EXPECT_EQ(Win32Status("x", ERROR_INVALID_DATA).state,
            CollectionState::kError);
}

TEST(RegKeyTest, ReadsTypedValuesInASandbox) {
  testing::RegistrySandbox sandbox("regkey");
  ASSERT_TRUE(sandbox.ok());
  const char* path = "SOFTWARE\\MamoriPlumbing";
  ASSERT_TRUE(
      testing::SetString(HKEY_LOCAL_MACHINE, path, "Name", "一太郎 2024"));
  ASSERT_TRUE(testing::SetDword(HKEY_LOCAL_MACHINE, path, "Start", 4));
  ASSERT_TRUE(testing::SetBinary(HKEY_LOCAL_MACHINE, path, "Blob",
                                 std::string("\x01\x00\x02", 3)));
  ASSERT_TRUE(testing::SetString(HKEY_LOCAL_MACHINE,
                                 std::string(path) + "\\子キー", "x", "y"));

  RegKey key;
  ASSERT_TRUE(RegKey::Open(HKEY_LOCAL_MACHINE, path, RegView::k64, &key).ok());
  ASSERT_TRUE(key.valid());
  EXPECT_EQ(key.path(), "HKLM\\SOFTWARE\\MamoriPlumbing");

  std::optional<std::string> name;
  ASSERT_TRUE(key.GetString("Name", &name).ok());
  EXPECT_EQ(name, "一太郎 2024");
  std::optional<uint32_t> start;
  ASSERT_TRUE(key.GetDword("Start", &start).ok());
  EXPECT_EQ(start, 4u);
  std::optional<std::string> blob;
  ASSERT_TRUE(key.GetBinary("Blob", &blob).ok());
  EXPECT_EQ(blob, std::string("\x01\x00\x02", 3));
  std::vector<std::string> subkeys;
  ASSERT_TRUE(key.SubkeyNames(&subkeys).ok());
  EXPECT_EQ(subkeys, std::vector<std::string>{"子キー"});

  // Absent value: OK and unset. Wrong type: an error naming the value.
  std::optional<uint32_t> missing;
  EXPECT_TRUE(key.GetDword("Missing", &missing).ok());
  EXPECT_FALSE(missing.has_value());
  std::optional<uint32_t> wrong;
  CollectionStatus s = key.GetDword("Name", &wrong);
  EXPECT_EQ(s.state, CollectionState::kError);
  EXPECT_NE(s.message.find("Name is REG_SZ, expected REG_DWORD"),
            std::string::npos);
  EXPECT_FALSE(wrong.has_value());
}

TEST(RegKeyTest, AbsentKeyIsNotAnError) {
  testing::RegistrySandbox sandbox("absent");
  ASSERT_TRUE(sandbox.ok());
  RegKey key;
  CollectionStatus s = RegKey::Open(
      HKEY_LOCAL_MACHINE, "SOFTWARE\\Nope\\Nothing", RegView::k64, &key);
  EXPECT_TRUE(s.ok());
  EXPECT_FALSE(key.valid());
  std::optional<std::string> value = "stale";
  EXPECT_TRUE(key.GetString("x", &value).ok());
  EXPECT_FALSE(value.has_value());
}

TEST(RegKeyTest, ReadsBothViewsFromFixture) {
  if (!testing::FixturesLoaded()) GTEST_FAIL() << testing::kFixturesMissing;
  const char* uninstall =
      "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall";
  RegKey v64;
  RegKey v32;
  ASSERT_TRUE(
      RegKey::Open(HKEY_LOCAL_MACHINE, uninstall, RegView::k64, &v64).ok());
  ASSERT_TRUE(
      RegKey::Open(HKEY_LOCAL_MACHINE, uninstall, RegView::k32, &v32).ok());
  std::vector<std::string> names64;
  std::vector<std::string> names32;
  ASSERT_TRUE(v64.SubkeyNames(&names64).ok());
  ASSERT_TRUE(v32.SubkeyNames(&names32).ok());
  auto has = [](const std::vector<std::string>& v, const char* n) {
    return std::find(v.begin(), v.end(), n) != v.end();
  };
  EXPECT_TRUE(has(names64, "{6F1C2A10-MAMORI-64}"));
  EXPECT_FALSE(has(names64, "MamoriYayoi32"));
  EXPECT_TRUE(has(names32, "MamoriYayoi32"));
  EXPECT_FALSE(has(names32, "{6F1C2A10-MAMORI-64}"));
}

TEST(WmiTest, Cimv2OperatingSystemAgreesWithKernel) {
  ComScope com;
  ASSERT_TRUE(com.status().ok()) << com.status().message;
  WmiSession wmi;
  CollectionStatus s = wmi.Connect("ROOT\\CIMV2");
  ASSERT_TRUE(s.ok()) << s.message;
  std::vector<WmiRow> rows;
  s = wmi.Query(
      "SELECT Caption, Version, BuildNumber FROM Win32_OperatingSystem",
      {"Caption", "Version", "BuildNumber"}, &rows);
  ASSERT_TRUE(s.ok()) << s.message;
  ASSERT_EQ(rows.size(), 1u);
  KernelVersion kernel;
  ASSERT_TRUE(ReadKernelVersion(&kernel).ok());
  // Compare WMI with RtlGetVersion rather than with any fixed value.
  EXPECT_EQ(rows[0].Int("BuildNumber"), static_cast<int64_t>(kernel.build));
  EXPECT_EQ(rows[0].String("Version"), std::to_string(kernel.major) + "." +
                                           std::to_string(kernel.minor) + "." +
                                           std::to_string(kernel.build));
  EXPECT_FALSE(rows[0].String("Caption").value_or("").empty());
}

TEST(WmiTest, MissingNamespaceReportsItsHresult) {
  ComScope com;
  WmiSession wmi;
  CollectionStatus s = wmi.Connect("ROOT\\MamoriDoesNotExist");
  EXPECT_EQ(s.state, CollectionState::kUnsupported);
  EXPECT_EQ(s.error_code, 0x8004100EL);
  EXPECT_NE(s.message.find("ROOT\\MamoriDoesNotExist"), std::string::npos);
}

TEST(WmiTest, QueryBeforeConnectIsAnError) {
  WmiSession wmi;
  std::vector<WmiRow> rows;
  EXPECT_EQ(wmi.Query("SELECT * FROM Win32_BIOS", {}, &rows).state,
            CollectionState::kError);
}

}  // namespace
}  // namespace mamori::facts::win

// Families whose Windows API Wine lacks must report a status with the OS
// code, never a compliant value. Each test runs only under Wine (on real
// Windows these APIs work and the data is checked by the manual script in
// docs/building-windows.md).
#include <gtest/gtest.h>

#include "agent/facts/disk_encryption.h"
#include "agent/facts/password_policy.h"
#include "agent/facts/updates.h"
#include "agent/facts/wifi.h"
#include "agent/facts/windows/win_error.h"

namespace mamori::facts {
namespace {

#define SKIP_UNLESS_WINE() \
  if (!win::RunningUnderWine()) GTEST_SKIP() << "Wine-only error path"

TEST(WindowsErrorPathTest, PasswordPolicyReportsNetApiError) {
  SKIP_UNLESS_WINE();
  const PasswordPolicyFacts f = GatherPasswordPolicy(LiveContext());
  EXPECT_EQ(f.status.state, CollectionState::kError);
  EXPECT_EQ(f.status.error_code, 2140);  // NERR_InternalError
  EXPECT_NE(f.status.message.find("NetUserModalsGet level 0"),
            std::string::npos);
  EXPECT_FALSE(f.min_length.has_value());
  EXPECT_FALSE(f.lockout_threshold.has_value());
}

TEST(WindowsErrorPathTest, UpdatesSearchNotImplemented) {
  SKIP_UNLESS_WINE();
  const UpdateFacts f = GatherUpdates(LiveContext());
  EXPECT_EQ(f.status.state, CollectionState::kUnsupported);
  EXPECT_EQ(f.status.error_code, 0x80004001L);  // E_NOTIMPL
  EXPECT_NE(f.status.message.find("IUpdateSearcher::Search"),
            std::string::npos);
  EXPECT_EQ(f.pending_count, 0u);
  EXPECT_TRUE(f.pending.empty());
}

TEST(WindowsErrorPathTest, WifiWithoutInterfacesDoesNotApply) {
  SKIP_UNLESS_WINE();
  const WifiFacts f = GatherWifi(LiveContext());
  EXPECT_EQ(f.status.state, CollectionState::kNotApplicable);
  EXPECT_TRUE(f.adapters.empty());
  EXPECT_FALSE(f.current.has_value());
}

TEST(WindowsErrorPathTest, BitLockerNamespaceMissing) {
  SKIP_UNLESS_WINE();
  const DiskEncryptionFacts f = GatherDiskEncryption(LiveContext());
  EXPECT_EQ(f.status.state, CollectionState::kUnsupported);
  EXPECT_EQ(f.status.error_code, 0x8004100EL);
  EXPECT_TRUE(f.volumes.empty());
}

}  // namespace
}  // namespace mamori::facts

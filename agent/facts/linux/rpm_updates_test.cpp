// The `updates` family on rpm systems: the dnf-automatic verdict (pure) and
// the family over the RHEL fixture tree.
#include "agent/facts/linux/rpm_updates.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace mamori::facts {
namespace {

// A directory of this test process's own: ctest runs each test case as a
// process, several at once, and other checkouts may run the same tests.
std::string ScratchDir(const std::string& name) {
  return ::testing::TempDir() + "/mamori-" + std::to_string(::getpid()) + "-" +
         name;
}

DnfAutomaticInputs Inputs(std::optional<std::string> conf,
                          std::vector<std::string> timers) {
  return DnfAutomaticInputs{std::move(conf), std::move(timers)};
}

TEST(DecideDnfAutomatic, TimerAndApplyUpdates) {
  DnfAutomaticVerdict v = DecideDnfAutomatic(
      Inputs("[commands]\nupgrade_type = security\napply_updates = yes\n",
             {"dnf-automatic.timer"}));
  EXPECT_EQ(v.enabled, std::optional<bool>(true));
  EXPECT_NE(v.evidence.find("dnf-automatic.timer enabled"), std::string::npos);
  EXPECT_NE(v.evidence.find("apply_updates = yes"), std::string::npos);
  EXPECT_NE(v.evidence.find("upgrade_type = security"), std::string::npos);

  v = DecideDnfAutomatic(
      Inputs("[commands]\napply_updates = True\n", {"dnf5-automatic.timer"}));
  EXPECT_EQ(v.enabled, std::optional<bool>(true));

  v = DecideDnfAutomatic(
      Inputs("[commands]\napply_updates = no\n", {"dnf-automatic.timer"}));
  EXPECT_EQ(v.enabled, std::optional<bool>(false));
}

TEST(DecideDnfAutomatic, ApplyUpdatesDefaultsToNo) {
  // Downloading is not applying.
  DnfAutomaticVerdict v = DecideDnfAutomatic(
      Inputs("[commands]\ndownload_updates = yes\n", {"dnf-automatic.timer"}));
  EXPECT_EQ(v.enabled, std::optional<bool>(false));
  EXPECT_NE(v.evidence.find("defaults to no"), std::string::npos);
  v = DecideDnfAutomatic(Inputs(std::nullopt, {"dnf-automatic.timer"}));
  EXPECT_EQ(v.enabled, std::optional<bool>(false));
  EXPECT_NE(v.evidence.find("missing"), std::string::npos);
}

TEST(DecideDnfAutomatic, InstallTimerAppliesWhateverTheConfigSays) {
  const DnfAutomaticVerdict v = DecideDnfAutomatic(Inputs(
      "[commands]\napply_updates = no\n", {"dnf-automatic-install.timer"}));
  EXPECT_EQ(v.enabled, std::optional<bool>(true));
  EXPECT_NE(v.evidence.find("dnf-automatic-install.timer"), std::string::npos);
}

TEST(DecideDnfAutomatic, NoTimerIsOffEvenWhenConfigured) {
  const DnfAutomaticVerdict v =
      DecideDnfAutomatic(Inputs("[commands]\napply_updates = yes\n", {}));
  EXPECT_EQ(v.enabled, std::optional<bool>(false));
  EXPECT_NE(v.evidence.find("no dnf-automatic timer"), std::string::npos);
}

TEST(DecideDnfAutomatic, UnreadableConfigOrValueIsUnknown) {
  DnfAutomaticVerdict v = DecideDnfAutomatic(
      Inputs("[commands\napply_updates = yes\n", {"dnf-automatic.timer"}));
  EXPECT_FALSE(v.enabled.has_value()) << v.evidence;
  EXPECT_NE(v.evidence.find("unreadable"), std::string::npos);
  v = DecideDnfAutomatic(Inputs("[commands]\napply_updates = sometimes\n",
                                {"dnf-automatic.timer"}));
  EXPECT_FALSE(v.enabled.has_value());
  EXPECT_NE(v.evidence.find("not a boolean"), std::string::npos);
}

const std::string kRhel = "tests/fixtures/linux/packages/rhel";

TEST(GatherRpmUpdates, FixtureTree) {
  const GatherContext ctx = RootContext(kRhel);
  const std::optional<RpmdbLocation> db = FindRpmDatabase(ctx);
  ASSERT_TRUE(db.has_value());
  const UpdateFacts f = GatherUpdates(ctx);
  // Pending updates are not known: never OK with a pending count of 0.
  EXPECT_EQ(f.status.state, CollectionState::kUnsupported);
  EXPECT_NE(f.status.message.find("dnf"), std::string::npos);
  EXPECT_TRUE(f.pending.empty());
  EXPECT_FALSE(f.reboot_required.has_value());

  // The enabled dnf-automatic.timer is an absolute link to a path that need
  // not exist on the host: it is read, not followed.
  EXPECT_EQ(f.automatic_updates, std::optional<bool>(true))
      << f.automatic_updates_evidence;
  EXPECT_EQ(f.automatic_updates_evidence,
            "dnf-automatic.timer enabled; /etc/dnf/automatic.conf [commands] "
            "apply_updates = yes, upgrade_type = security");

  // zero-epoch was installed last (gpg-pubkey, imported later, is no install).
  ASSERT_TRUE(f.last_install_at.has_value());
  EXPECT_EQ(ToUnixSeconds(*f.last_install_at), 1700000200);
  ASSERT_EQ(f.recent_installed.size(), 3u);
  EXPECT_EQ(f.recent_installed[0].id, "hello-tool.x86_64");
  EXPECT_EQ(f.recent_installed[2].title, "zero-epoch 0:1.0-1");
}

TEST(GatherRpmUpdates, MaskedTimerIsOff) {
  const std::string root = ScratchDir("rpm-updates-masked");
  std::filesystem::remove_all(root);
  std::filesystem::create_directories(root + "/var/lib/rpm");
  std::filesystem::copy_file(kRhel + "/var/lib/rpm/rpmdb.sqlite",
                             root + "/var/lib/rpm/rpmdb.sqlite");
  std::filesystem::create_directories(root + "/etc/dnf");
  std::ofstream(root + "/etc/dnf/automatic.conf")
      << "[commands]\napply_updates = yes\n";
  const std::string wants = root + "/etc/systemd/system/timers.target.wants";
  std::filesystem::create_directories(wants);
  std::filesystem::create_directories(root + "/usr/lib/systemd/system");
  std::ofstream(root + "/usr/lib/systemd/system/dnf-automatic.timer") << "\n";
  std::filesystem::create_symlink("/usr/lib/systemd/system/dnf-automatic.timer",
                                  wants + "/dnf-automatic.timer");
  EXPECT_EQ(GatherUpdates(RootContext(root)).automatic_updates,
            std::optional<bool>(true));

  std::filesystem::create_symlink(
      "/dev/null", root + "/etc/systemd/system/dnf-automatic.timer");
  const UpdateFacts f = GatherUpdates(RootContext(root));
  EXPECT_EQ(f.automatic_updates, std::optional<bool>(false))
      << f.automatic_updates_evidence;
}

}  // namespace
}  // namespace mamori::facts

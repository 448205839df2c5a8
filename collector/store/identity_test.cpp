#include "collector/store/identity.h"

#include <gtest/gtest.h>

#include <vector>

namespace mamori::store {
namespace {

const IdentityKeys kPc{"machine-1", "4c4c4544-0031", "SN-1"};

EnrollDecision Decide(const IdentityKeys& request,
                      const std::vector<KnownHost>& hosts,
                      std::optional<int64_t> proven = std::nullopt) {
  return DecideEnrollment(request, hosts, proven);
}

TEST(DecideEnrollment, NothingInCommonIsANewHost) {
  EXPECT_EQ(Decide(kPc, {}), EnrollDecision{});
  EXPECT_EQ(Decide(kPc, {{7, {"other", "other-uuid", "SN-9"}, false}}),
            EnrollDecision{});
}

TEST(DecideEnrollment, SameInstallationReattaches) {
  EXPECT_EQ(Decide(kPc, {{7, kPc, false}}),
            (EnrollDecision{EnrollMatch::kReattach, 7}));
  // Case and surrounding blanks do not matter.
  EXPECT_EQ(Decide({"machine-1", " 4C4C4544-0031 ", "SN-1"}, {{7, kPc, false}}),
            (EnrollDecision{EnrollMatch::kReattach, 7}));
}

TEST(DecideEnrollment, ReinstallOnSameHardwareReattaches) {
  EXPECT_EQ(
      Decide({"machine-new", kPc.smbios_uuid, kPc.serial}, {{7, kPc, false}}),
      (EnrollDecision{EnrollMatch::kReattach, 7}));
  // Two agreeing where the third is absent on one side.
  EXPECT_EQ(Decide({"machine-1", kPc.smbios_uuid, ""}, {{7, kPc, false}}),
            (EnrollDecision{EnrollMatch::kReattach, 7}));
}

// Issue #13 point 2: one identifier alone never takes a host over.
TEST(DecideEnrollment, OneIdentifierAloneIsAPossibleDuplicate) {
  EXPECT_EQ(Decide({"machine-1", "", ""}, {{7, kPc, false}}),
            (EnrollDecision{EnrollMatch::kPossibleDuplicate, 7}));
  EXPECT_EQ(Decide({"", "", "SN-1"}, {{7, kPc, false}}),
            (EnrollDecision{EnrollMatch::kPossibleDuplicate, 7}));
  EXPECT_EQ(Decide({"", kPc.smbios_uuid, ""}, {{7, kPc, false}}),
            (EnrollDecision{EnrollMatch::kPossibleDuplicate, 7}));
  // The machine id plus identifiers the old host never reported.
  EXPECT_EQ(Decide({"machine-1", "new-uuid", "SN-new"},
                   {{7, {"machine-1", "", ""}, false}}),
            (EnrollDecision{EnrollMatch::kPossibleDuplicate, 7}));
}

TEST(DecideEnrollment, SameMachineIdOnOtherHardwareIsAClone) {
  EXPECT_EQ(Decide({"machine-1", "other-uuid", "SN-2"}, {{7, kPc, false}}),
            (EnrollDecision{EnrollMatch::kClone, 7}));
  // Machine id and UUID agree but the serial differs: not the same machine.
  EXPECT_EQ(Decide({"machine-1", kPc.smbios_uuid, "SN-2"}, {{7, kPc, false}}),
            (EnrollDecision{EnrollMatch::kClone, 7}));
}

TEST(DecideEnrollment, ACloneFindsItselfNotItsOriginal) {
  const IdentityKeys clone{"machine-1", "clone-uuid", "SN-2"};
  EXPECT_EQ(Decide(clone, {{7, kPc, false}, {8, clone, true}}),
            (EnrollDecision{EnrollMatch::kReattach, 8}));
  // Between an original and its clone that both agree, the original wins.
  EXPECT_EQ(Decide(kPc, {{8, kPc, true}, {9, kPc, false}}),
            (EnrollDecision{EnrollMatch::kReattach, 9}));
}

TEST(DecideEnrollment, PlaceholderUuidsCountAsAbsent) {
  const IdentityKeys zero{"", "00000000-0000-0000-0000-000000000000", "SN-1"};
  EXPECT_EQ(Decide(zero, {{7, {"m", zero.smbios_uuid, "SN-1"}, false}}),
            (EnrollDecision{EnrollMatch::kPossibleDuplicate, 7}));
  const IdentityKeys ff{"", "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF", "SN-1"};
  EXPECT_EQ(Decide(ff, {{7, {"m", ff.smbios_uuid, "SN-1"}, false}}),
            (EnrollDecision{EnrollMatch::kPossibleDuplicate, 7}));
}

TEST(DecideEnrollment, ProofOfTheOldNodeKeyReattaches) {
  // Even with nothing in common (e.g. new hardware, state directory moved).
  EXPECT_EQ(Decide({"new", "new", "new"}, {}, 7),
            (EnrollDecision{EnrollMatch::kReattach, 7}));
}

TEST(CompareIdentity, CountsOnlyIdentifiersPresentOnBothSides) {
  IdentityComparison c = CompareIdentity(kPc, {"machine-1", "", "SN-9"});
  EXPECT_EQ(c.agree, 1);
  EXPECT_TRUE(c.machine_agrees);
  EXPECT_TRUE(c.hardware_conflict);
  EXPECT_FALSE(c.machine_conflict);
}

}  // namespace
}  // namespace mamori::store

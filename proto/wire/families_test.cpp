#include "proto/wire/families.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "mamori/v1/facts.pb.h"

namespace mamori::wire {
namespace {

// The fourteen families of facts.proto at the time of writing; a family
// added later joins the derived list without this test changing, but one
// dropped or one envelope field taken for a family fails here.
TEST(FamilyFields, AreTheFactMessagesNotTheEnvelope) {
  std::set<std::string> names;
  for (const auto* f : FamilyFields()) names.insert(f->name());
  for (const char* family :
       {"system", "hardware", "network", "packages", "updates", "antivirus",
        "usb_storage", "wifi", "password_policy", "screen_lock",
        "disk_encryption", "firewall", "remote_access", "accounts"}) {
    EXPECT_EQ(names.count(family), 1u) << family;
  }
  for (const char* envelope : {"identity", "collected_at", "agent_version"}) {
    EXPECT_EQ(names.count(envelope), 0u) << envelope;
    EXPECT_EQ(FamilyField(envelope), nullptr) << envelope;
  }
  EXPECT_EQ(FamilyField("packages"),
            v1::EndpointFacts::descriptor()->FindFieldByName("packages"));
  EXPECT_EQ(FamilyField("no_such_family"), nullptr);
  EXPECT_FALSE(IsFamilyField(nullptr));
  // In field-number order.
  int last = 0;
  for (const auto* f : FamilyFields()) {
    EXPECT_GT(f->number(), last);
    last = f->number();
  }
}

}  // namespace
}  // namespace mamori::wire

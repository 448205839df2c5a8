// The registry table names each family by its EndpointFacts field. The list
// of family fields is derived once, from the proto descriptor
// (proto/wire/families.h); this guard holds the registry to it, so a family
// added to facts.proto without a gatherer, or a registry line with a
// misspelt name, fails here instead of never being collected or stored.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "agent/facts/registry.h"
#include "proto/wire/families.h"

namespace mamori::facts {
namespace {

// The same names (families.h lists them in field order, which is also the
// order of collection).
TEST(RegistryWire, FamiliesAreTheProtoFamilyFields) {
  std::set<std::string> registry;
  for (const Family& f : Families()) {
    EXPECT_TRUE(registry.emplace(f.name).second) << f.name << " twice";
  }
  std::set<std::string> proto;
  for (const auto* field : wire::FamilyFields()) proto.insert(field->name());
  EXPECT_EQ(registry, proto);
}

// families.h is in field order, so the JSON and the table print families as
// the proto declares them.
TEST(RegistryWire, FamiliesAreInFieldOrder) {
  std::vector<std::string> registry;
  for (const Family& f : Families()) registry.emplace_back(f.name);
  std::vector<std::string> proto;
  for (const auto* field : wire::FamilyFields()) proto.push_back(field->name());
  EXPECT_EQ(registry, proto);
}

}  // namespace
}  // namespace mamori::facts

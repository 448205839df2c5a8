// The registry table names each family by its EndpointFacts field. The list
// of family fields is derived once, from the proto descriptor
// (proto/wire/families.h); this guard holds the registry to it, so a family
// added to facts.proto without a gatherer, or a registry line with a
// misspelt name, fails here instead of never being collected or stored.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "agent/facts/registry.h"
#include "proto/wire/families.h"

namespace mamori::facts {
namespace {

// The same names; the registry's order is the order of collection (accounts
// runs right after updates), not necessarily the fields' order.
TEST(RegistryWire, FamiliesAreTheProtoFamilyFields) {
  std::set<std::string> registry;
  for (const Family& f : Families()) {
    EXPECT_TRUE(registry.emplace(f.name).second) << f.name << " twice";
  }
  std::set<std::string> proto;
  for (const auto* field : wire::FamilyFields()) proto.insert(field->name());
  EXPECT_EQ(registry, proto);
}

}  // namespace
}  // namespace mamori::facts

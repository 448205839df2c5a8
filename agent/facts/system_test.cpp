#include "agent/facts/system.h"

#include <gtest/gtest.h>

namespace mamori::facts {
namespace {

TEST(ParseOsRelease, HandlesQuotesEscapesAndJunk) {
  const auto m = ParseOsRelease(
      "# comment\n"
      "NAME=\"Debian GNU/Linux\"\n"
      "ID=debian\n"
      "PRETTY_NAME='Single quoted $x'\n"
      "VERSION=\"say \\\"hi\\\" \\\\ ok\"\n"
      "not a line\n"
      "=novalue\n"
      "BAD KEY=1\n"
      "EMPTY=\n");
  EXPECT_EQ(m.at("NAME"), "Debian GNU/Linux");
  EXPECT_EQ(m.at("ID"), "debian");
  EXPECT_EQ(m.at("PRETTY_NAME"), "Single quoted $x");
  EXPECT_EQ(m.at("VERSION"), "say \"hi\" \\ ok");
  EXPECT_EQ(m.at("EMPTY"), "");
  EXPECT_EQ(m.size(), 5u);
}

TEST(ParseOsRelease, InvalidUtf8IsReplaced) {
  const auto m = ParseOsRelease("NAME=\"Bad\xff\"\n");
  EXPECT_TRUE(IsValidUtf8(m.at("NAME")));
}

TEST(ApplyOsRelease, PrefersPrettyName) {
  SystemFacts f;
  ApplyOsRelease({{"ID", "rhel"},
                  {"NAME", "Red Hat Enterprise Linux"},
                  {"PRETTY_NAME", "Red Hat Enterprise Linux 9.3 (Plow)"},
                  {"VERSION_ID", "9.3"},
                  {"ID_LIKE", "fedora"}},
                 &f);
  EXPECT_EQ(f.os_id, "rhel");
  EXPECT_EQ(f.os_name, "Red Hat Enterprise Linux 9.3 (Plow)");
  EXPECT_EQ(f.os_version, "9.3");
  EXPECT_EQ(f.os_codename, "");
  EXPECT_EQ(f.os_like, "fedora");
  SystemFacts g;
  ApplyOsRelease({{"NAME", "Plain"}}, &g);
  EXPECT_EQ(g.os_name, "Plain");
}

TEST(ParseBootTime, FindsBtime) {
  EXPECT_EQ(
      ParseBootTime("cpu  1 2 3\nintr 5\nbtime 1763880000\nprocesses 9\n"),
      1763880000);
  EXPECT_EQ(ParseBootTime("cpu 1\n"), std::nullopt);
  // Past what TimePoint holds: the caller's conversion would overflow.
  EXPECT_EQ(ParseBootTime("btime 7777777777777777\n"), std::nullopt);
  EXPECT_EQ(ParseBootTime("btime abc\n"), std::nullopt);
}

TEST(TimeZoneFromLink, StripsZoneinfoPrefix) {
  EXPECT_EQ(TimeZoneFromLink("/usr/share/zoneinfo/Asia/Tokyo"), "Asia/Tokyo");
  EXPECT_EQ(TimeZoneFromLink("../usr/share/zoneinfo/Etc/UTC"), "Etc/UTC");
  EXPECT_EQ(TimeZoneFromLink("/usr/share/zoneinfo/posix/Europe/Berlin"),
            "Europe/Berlin");
  EXPECT_EQ(TimeZoneFromLink("/etc/somewhere/else"), "");
}

TEST(FqdnFromHosts, FindsDottedNameOnTheHostsLine) {
  const std::string hosts =
      "127.0.0.1 localhost\n"
      "127.0.1.1\tpc-sato.example.co.jp pc-sato # me\n";
  EXPECT_EQ(FqdnFromHosts(hosts, "pc-sato"), "pc-sato.example.co.jp");
  EXPECT_EQ(FqdnFromHosts(hosts, "other"), "");
  EXPECT_EQ(FqdnFromHosts("127.0.0.1 vm\n", "vm"), "");
  EXPECT_EQ(FqdnFromHosts(hosts, ""), "");
}

TEST(DetectVirtualization, ContainersBeforeHypervisors) {
  VirtEvidence e;
  EXPECT_EQ(DetectVirtualization(e), "");
  e.cpu_hypervisor = true;
  EXPECT_EQ(DetectVirtualization(e), "vm");
  e.sys_vendor = "QEMU";
  EXPECT_EQ(DetectVirtualization(e), "qemu");
  e.sys_vendor = "innotek GmbH";
  EXPECT_EQ(DetectVirtualization(e), "oracle");
  e.dockerenv = true;
  EXPECT_EQ(DetectVirtualization(e), "docker");
  e.pid1_container = "lxc";
  EXPECT_EQ(DetectVirtualization(e), "lxc");
}

TEST(DetectVirtualization, SurfaceIsNotHyperV) {
  VirtEvidence e;
  e.sys_vendor = "Microsoft Corporation";
  e.product_name = "Surface Laptop 5";
  EXPECT_EQ(DetectVirtualization(e), "");
  e.product_name = "Virtual Machine";
  EXPECT_EQ(DetectVirtualization(e), "microsoft");
}

TEST(DeriveRole, FromChassisBatteryAndVirt) {
  EXPECT_EQ(DeriveRole(10, false, "").role, EndpointRole::kLaptop);
  EXPECT_EQ(DeriveRole(10, false, "").evidence, "chassis_type=10");
  EXPECT_EQ(DeriveRole(3, false, "").role, EndpointRole::kDesktop);
  EXPECT_EQ(DeriveRole(3, true, "").role, EndpointRole::kLaptop);
  EXPECT_EQ(DeriveRole(3, true, "").evidence, "battery");
  EXPECT_EQ(DeriveRole(23, false, "").role, EndpointRole::kServer);
  EXPECT_EQ(DeriveRole(3, false, "kvm").role, EndpointRole::kVirtual);
  EXPECT_EQ(DeriveRole(3, false, "kvm").evidence, "virt=kvm");
  EXPECT_EQ(DeriveRole(0, false, "").role, EndpointRole::kUnspecified);
  EXPECT_EQ(DeriveRole(0, false, "").evidence, "");
}

}  // namespace
}  // namespace mamori::facts

// Linux gatherer for the `firewall` family: the nftables ruleset over netlink,
// legacy iptables, ufw and firewalld configuration.
#include "agent/facts/firewall.h"

#include <Poco/DOM/AutoPtr.h>
#include <Poco/DOM/DOMParser.h>
#include <Poco/DOM/Document.h>
#include <Poco/DOM/Element.h>
#include <Poco/Exception.h>

#include "agent/facts/linux/file_util.h"
#include "agent/facts/linux/nft_netlink.h"
#include "agent/facts/linux/process_list.h"
#include "agent/facts/linux/run_capture.h"

namespace mamori::facts {

namespace lu = linux_util;

namespace {

std::string ReadOr(const GatherContext& ctx, const char* path) {
  Result<std::string> text = ReadFile(ctx.Path(path), 4 << 20);
  return text.ok() ? std::move(*text) : std::string();
}

// Returns the target attribute of a firewalld zone file's <zone> element,
// "default" when absent or unreadable.
std::string ZoneTarget(const GatherContext& ctx, const std::string& zone) {
  for (const std::string dir :
       {"/etc/firewalld/zones/", "/usr/lib/firewalld/zones/"}) {
    Result<std::string> xml = ReadFile(ctx.Path(dir + zone + ".xml"), 1 << 20);
    if (!xml.ok()) continue;
    try {
      Poco::XML::DOMParser parser;
      parser.setFeature(Poco::XML::XMLReader::FEATURE_EXTERNAL_GENERAL_ENTITIES,
                        false);
      Poco::AutoPtr<Poco::XML::Document> doc = parser.parseString(*xml);
      const Poco::XML::Element* root = doc->documentElement();
      if (root != nullptr && root->hasAttribute("target")) {
        return root->getAttribute("target");
      }
    } catch (const Poco::Exception&) {
      // A malformed zone file leaves firewalld on its default target.
    }
    return "default";
  }
  return "default";
}

}  // namespace

FirewallFacts GatherFirewall(const GatherContext& ctx) {
  FirewallInputs in;
  in.live_kernel = ctx.live_kernel;

  if (lu::Exists(ctx.Path("/etc/ufw/ufw.conf"))) {
    in.ufw = ParseUfw(ReadOr(ctx, "/etc/ufw/ufw.conf"),
                      ReadOr(ctx, "/etc/default/ufw"),
                      ReadOr(ctx, "/etc/ufw/user.rules") +
                          ReadOr(ctx, "/etc/ufw/user6.rules"));
  }

  const bool firewalld_installed =
      lu::Exists(ctx.Path("/usr/sbin/firewalld")) ||
      lu::Exists(ctx.Path("/etc/firewalld/firewalld.conf"));
  if (firewalld_installed) {
    if (ctx.live_kernel) {
      Result<std::vector<lu::ProcessInfo>> procs = lu::ListProcesses();
      if (procs.ok())
        in.firewalld_on = lu::AnyProcessNamed(*procs, "firewalld");
    } else {
      in.firewalld_on = lu::UnitEnabled(ctx, "firewalld.service");
    }
    const std::string zone =
        FirewalldDefaultZone(ReadOr(ctx, "/etc/firewalld/firewalld.conf"));
    in.firewalld_inbound = FirewalldTargetAction(ZoneTarget(ctx, zone));
  }

  if (ctx.live_kernel) {
    Result<RulesetSummary> nft = lu::ReadNftRuleset();
    if (nft.ok()) {
      in.nftables = *nft;
    } else if (nft.status().code() != StatusCode::kUnimplemented) {
      in.kernel_error = nft.status();
    }
    // Legacy x_tables rules are invisible to nftables; the kernel lists the
    // loaded legacy tables here (root-only on most kernels).
    Result<std::string> names = ReadFile("/proc/net/ip_tables_names", 1 << 16);
    if (names.ok() && !Trim(*names).empty()) {
      Result<std::string> saved =
          lu::RunCapture({"/usr/sbin/iptables-legacy-save"});
      if (!saved.ok() && saved.status().code() == StatusCode::kNotFound) {
        saved = lu::RunCapture({"/usr/sbin/iptables-save"});
      }
      if (saved.ok()) {
        in.iptables = ParseIptablesSave(*saved);
      } else if (in.kernel_error.ok()) {
        in.kernel_error = saved.status();
      }
    } else if (!names.ok() &&
               names.status().code() == StatusCode::kPermissionDenied &&
               in.kernel_error.ok()) {
      in.kernel_error = names.status();
    }
  }
  return DecideFirewall(in);
}

}  // namespace mamori::facts

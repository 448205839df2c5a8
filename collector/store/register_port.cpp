#include "collector/store/register_port.h"

#include "common/text.h"

namespace mamori::asset_register {

Result<InformationAsset> RegisterPort::GetAsset(const std::string& org,
                                                const std::string& name) {
  auto assets = ListAssets(org);
  if (!assets.ok()) return assets.status();
  for (InformationAsset& asset : *assets) {
    if (asset.name == name) return std::move(asset);
  }
  return NotFoundError("no information asset named \"" + name + "\"");
}

Result<bool> RegisterPort::Link(const std::string& org,
                                const std::string& asset_name, LinkKind kind,
                                const std::string& target,
                                const std::string& actor) {
  if (Trim(target).empty()) {
    return InvalidArgumentError("the device or service name is empty");
  }
  ImportPlan plan;
  plan.link_sheet = "register link";
  plan.links.push_back({{asset_name, kind, std::string(Trim(target))}, 1});
  auto summary = Import(org, plan, actor, false);
  if (!summary.ok()) return summary.status();
  if (!summary->errors.empty()) {
    const std::string& reason = summary->errors[0].reason;
    return StartsWith(reason, "several") ? InvalidArgumentError(reason)
                                         : NotFoundError(reason);
  }
  return summary->links_added > 0;
}

}  // namespace mamori::asset_register

#include "agent/facts/linux/ini_file.h"

#include <boost/property_tree/ini_parser.hpp>
#include <boost/property_tree/ptree.hpp>
#include <sstream>

#include "common/text.h"

namespace mamori::facts::linux_util {

Result<IniSections> ParseIni(std::string_view text) {
  std::istringstream in{std::string(text)};
  boost::property_tree::ptree tree;
  try {
    boost::property_tree::ini_parser::read_ini(in, tree);
  } catch (const boost::property_tree::ini_parser_error& e) {
    return InvalidArgumentError("INI line " + std::to_string(e.line()) + ": " +
                                SanitizeUtf8(e.message()));
  } catch (const boost::property_tree::ptree_error& e) {
    return InvalidArgumentError(std::string("INI: ") + e.what());
  }
  IniSections out;
  for (const auto& [name, node] : tree) {
    if (node.empty()) {
      // A key before any section: ptree keeps it as a leaf at the top.
      out[""][name] = node.data();
      continue;
    }
    auto& section = out[name];
    for (const auto& [key, value] : node) section[key] = value.data();
  }
  return out;
}

}  // namespace mamori::facts::linux_util

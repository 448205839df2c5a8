// Linux gatherer for the `screen_lock` family: which desktop is installed,
// then its system-wide lock settings (dconf, kscreenlockerrc, xfconf).
#include "agent/facts/screen_lock.h"

#include <Poco/DOM/AutoPtr.h>
#include <Poco/DOM/DOMParser.h>
#include <Poco/DOM/Document.h>
#include <Poco/DOM/Element.h>
#include <Poco/DOM/NodeList.h>
#include <Poco/Exception.h>

#include "agent/facts/linux/file_util.h"
#include "agent/facts/linux/ini_file.h"

namespace mamori::facts {

namespace lu = linux_util;

namespace {

// Session file names (xsessions, wayland-sessions) without ".desktop".
std::vector<std::string> Sessions(const GatherContext& ctx) {
  std::vector<std::string> out;
  for (std::string_view dir :
       {"/usr/share/xsessions", "/usr/share/wayland-sessions"}) {
    Result<std::vector<std::string>> names = lu::ListDirectory(ctx.Path(dir));
    if (!names.ok()) continue;
    for (const std::string& n : *names) {
      if (EndsWith(n, ".desktop"))
        out.push_back(ToLowerAscii(n.substr(0, n.size() - 8)));
    }
  }
  return out;
}

std::string DisplayManager(const GatherContext& ctx) {
  const std::string dm =
      lu::ReadOptional(ctx.Path("/etc/X11/default-display-manager"));
  if (!dm.empty()) return dm;
  if (auto link = lu::ReadLink(
          ctx.Path("/etc/systemd/system/display-manager.service"))) {
    return *link;
  }
  return "";
}

ScreenLockFacts GatherGnome(const GatherContext& ctx) {
  GnomeSettings settings;
  Result<std::string> profile =
      ReadFile(ctx.Path("/etc/dconf/profile/user"), 1 << 16);
  std::vector<std::string> dbs;
  if (profile.ok()) dbs = DconfSystemDbs(*profile);
  // Highest-priority database first, so earlier databases keep their keys.
  for (const std::string& db : dbs) {
    const std::string dir = "/etc/dconf/db/" + db + ".d";
    Result<std::vector<std::string>> files = lu::ListDirectory(ctx.Path(dir));
    if (!files.ok()) continue;
    GnomeSettings layer;
    for (const std::string& name : *files) {  // sorted: later files win
      const std::string path = dir + "/" + name;
      if (lu::IsDirectory(ctx.Path(path))) continue;
      Result<std::string> text = ReadFile(ctx.Path(path), 1 << 20);
      if (!text.ok()) continue;
      Result<IniSections> ini = lu::ParseIni(*text);
      if (ini.ok()) AddGnomeKeyfile(*ini, path, /*override=*/true, &layer);
    }
    for (auto& [key, value] : layer.values) settings.values.emplace(key, value);
    Result<std::vector<std::string>> locks =
        lu::ListDirectory(ctx.Path(dir + "/locks"));
    if (locks.ok()) {
      for (const std::string& name : *locks) {
        Result<std::string> text =
            ReadFile(ctx.Path(dir + "/locks/" + name), 1 << 20);
        if (!text.ok()) continue;
        for (std::string& key : ParseDconfLocks(*text))
          settings.locks.insert(std::move(key));
      }
    }
  }
  // Distribution defaults (gschema overrides) rank below every dconf db.
  const std::string schemas = "/usr/share/glib-2.0/schemas";
  Result<std::vector<std::string>> overrides =
      lu::ListDirectory(ctx.Path(schemas));
  if (overrides.ok()) {
    GnomeSettings layer;
    for (const std::string& name : *overrides) {
      if (!EndsWith(name, ".gschema.override")) continue;
      Result<std::string> text =
          ReadFile(ctx.Path(schemas + "/" + name), 1 << 20);
      if (!text.ok()) continue;
      Result<IniSections> ini = lu::ParseIni(*text);
      if (ini.ok()) AddGnomeKeyfile(*ini, schemas + "/" + name, true, &layer);
    }
    for (auto& [key, value] : layer.values) settings.values.emplace(key, value);
  }
  ScreenLockFacts facts = EvaluateGnome(settings);
  if (!profile.ok()) {
    facts.evidence.push_back(
        "no /etc/dconf/profile/user: no system dconf database applies");
  }
  return facts;
}

ScreenLockFacts GatherKde(const GatherContext& ctx) {
  const std::string path = "/etc/xdg/kscreenlockerrc";
  Result<std::string> text = ReadFile(ctx.Path(path), 1 << 20);
  IniSections ini;
  std::string raw;
  if (text.ok()) {
    raw = *text;
    Result<IniSections> parsed = lu::ParseIni(raw);
    if (parsed.ok()) ini = std::move(*parsed);
  }
  return EvaluateKde(ini, raw, path);
}

void Flatten(const Poco::XML::Element* element, const std::string& prefix,
             std::map<std::string, std::string>* out) {
  for (Poco::XML::Node* child = element->firstChild(); child != nullptr;
       child = child->nextSibling()) {
    if (child->nodeType() != Poco::XML::Node::ELEMENT_NODE) continue;
    const auto* e = static_cast<const Poco::XML::Element*>(child);
    if (e->localName() != "property") continue;
    const std::string path = prefix + "/" + e->getAttribute("name");
    if (e->hasAttribute("value")) (*out)[path] = e->getAttribute("value");
    Flatten(e, path, out);
  }
}

ScreenLockFacts GatherXfce(const GatherContext& ctx) {
  const std::string path =
      "/etc/xdg/xfce4/xfconf/xfce-perchannel-xml/xfce4-screensaver.xml";
  std::map<std::string, std::string> channel;
  Result<std::string> xml = ReadFile(ctx.Path(path), 1 << 20);
  if (xml.ok()) {
    try {
      Poco::XML::DOMParser parser;
      parser.setFeature(Poco::XML::XMLReader::FEATURE_EXTERNAL_GENERAL_ENTITIES,
                        false);
      Poco::AutoPtr<Poco::XML::Document> doc = parser.parseString(*xml);
      if (doc->documentElement() != nullptr) {
        Flatten(doc->documentElement(), "", &channel);
      }
    } catch (const Poco::Exception& e) {
      ScreenLockFacts facts;
      facts.status = ErrorStatus(path + ": " + SanitizeUtf8(e.displayText()));
      facts.source = "xfce";
      return facts;
    }
  }
  return EvaluateXfce(channel, path);
}

}  // namespace

ScreenLockFacts GatherScreenLock(const GatherContext& ctx) {
  const std::vector<std::string> sessions = Sessions(ctx);
  const std::string dm = DisplayManager(ctx);
  if (sessions.empty() && dm.empty()) {
    ScreenLockFacts facts;
    facts.status = NotApplicableStatus(
        "no desktop installed (no display manager, xsessions or "
        "wayland-sessions)");
    return facts;
  }
  auto has = [&](std::string_view word) {
    for (const std::string& s : sessions) {
      if (s.find(word) != std::string::npos) return true;
    }
    return false;
  };
  if (has("gnome") || has("ubuntu") ||
      lu::Exists(ctx.Path("/usr/bin/gnome-shell"))) {
    return GatherGnome(ctx);
  }
  if (has("plasma") || has("kde")) return GatherKde(ctx);
  if (has("xfce")) return GatherXfce(ctx);
  std::string names;
  for (const std::string& s : sessions)
    names += (names.empty() ? "" : ", ") + s;
  ScreenLockFacts facts;
  facts.status = UnsupportedStatus("desktop session not supported: " +
                                   (names.empty() ? dm : names));
  return facts;
}

}  // namespace mamori::facts

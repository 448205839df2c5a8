#include "collector/software/dictionary.h"

#include <map>
#include <set>

#include "collector/policy/yaml_util.h"
#include "collector/store/open_store.h"
#include "common/sha256.h"
#include "common/text.h"

namespace mamori::software {
namespace {

using policy::YamlContext;

char LowerAscii(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// Length of the UTF-8 sequence starting at text[i] (1 for a stray byte).
size_t CharLength(std::string_view text, size_t i) {
  const auto lead = static_cast<unsigned char>(text[i]);
  size_t n = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
  if (lead >= 0x80 && lead < 0xC0) n = 1;
  return i + n <= text.size() ? n : 1;
}

// The glob's first character, ASCII-lowercased as SQLite's lower() does;
// "" when it is a wildcard.
std::string FirstChar(std::string_view glob) {
  if (glob.empty() || glob[0] == '*' || glob[0] == '?') return "";
  std::string first(glob.substr(0, CharLength(glob, 0)));
  for (char& c : first) c = LowerAscii(c);
  return first;
}

bool ValidId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
      return false;
    }
  }
  return true;
}

struct Where {
  std::string file;
  int line = 0;
};

Result<std::string> Glob(const YamlContext& ctx, const YAML::Node& node,
                         const char* field, const std::string& key) {
  auto text = ctx.RequiredString(node, field, key);
  if (!text.ok()) return text.status();
  if (Status s = CheckGlob(*text); !s.ok()) {
    return ctx.Error(node[field], key + "." + field,
                     "bad pattern \"" + TerminalSafe(*text) +
                         "\": " + std::string(s.message()));
  }
  return *text;
}

Status ParseCategories(const YamlContext& ctx, const YAML::Node& list,
                       Dictionary* out, std::map<std::string, Where>* seen) {
  if (!list.IsSequence()) {
    return ctx.Error(list, "categories", "expected a list");
  }
  for (size_t i = 0; i < list.size(); ++i) {
    const YAML::Node node = list[i];
    const std::string key = "categories[" + std::to_string(i) + "]";
    MAMORI_RETURN_IF_ERROR(ctx.ExpectMap(node, key));
    MAMORI_RETURN_IF_ERROR(ctx.AllowedKeys(node, key, {"id", "name"}));
    auto id = ctx.RequiredString(node, "id", key);
    if (!id.ok()) return id.status();
    if (!ValidId(*id)) {
      return ctx.Error(node["id"], key + ".id",
                       "ids are 1-64 characters of a-z, 0-9 and _");
    }
    auto name = ctx.Localized(node, "name", key, /*required=*/true);
    if (!name.ok()) return name.status();
    const Where here{ctx.file, node.Mark().line + 1};
    auto [it, fresh] = seen->emplace("category " + *id, here);
    if (!fresh) {
      return ctx.Error(node["id"], key + ".id",
                       "category '" + *id + "' is also defined at " +
                           it->second.file + ":" +
                           std::to_string(it->second.line));
    }
    out->categories.push_back({*id, *name});
  }
  return Status::Ok();
}

Status ParseTitles(const YamlContext& ctx, const YAML::Node& list,
                   std::vector<std::pair<Title, Where>>* titles,
                   std::map<std::string, Where>* seen) {
  if (!list.IsSequence()) return ctx.Error(list, "titles", "expected a list");
  for (size_t i = 0; i < list.size(); ++i) {
    const YAML::Node node = list[i];
    const std::string key = "titles[" + std::to_string(i) + "]";
    MAMORI_RETURN_IF_ERROR(ctx.ExpectMap(node, key));
    MAMORI_RETURN_IF_ERROR(
        ctx.AllowedKeys(node, key, {"id", "category", "name", "match"}));
    Title t;
    auto id = ctx.RequiredString(node, "id", key);
    if (!id.ok()) return id.status();
    if (!ValidId(*id)) {
      return ctx.Error(node["id"], key + ".id",
                       "ids are 1-64 characters of a-z, 0-9 and _");
    }
    t.id = *id;
    auto category = ctx.RequiredString(node, "category", key);
    if (!category.ok()) return category.status();
    t.category = *category;
    auto name = ctx.Localized(node, "name", key, /*required=*/true);
    if (!name.ok()) return name.status();
    t.name = *name;
    const YAML::Node match = node["match"];
    if (!match) return ctx.Error(node, key + ".match", "missing");
    if (!match.IsSequence() || match.size() == 0) {
      return ctx.Error(match, key + ".match",
                       "expected a non-empty list of {name, publisher}");
    }
    for (size_t j = 0; j < match.size(); ++j) {
      const YAML::Node rule = match[j];
      const std::string rkey = key + ".match[" + std::to_string(j) + "]";
      MAMORI_RETURN_IF_ERROR(ctx.ExpectMap(rule, rkey));
      MAMORI_RETURN_IF_ERROR(
          ctx.AllowedKeys(rule, rkey, {"name", "publisher"}));
      MatchRule m;
      auto glob = Glob(ctx, rule, "name", rkey);
      if (!glob.ok()) return glob.status();
      m.name = *glob;
      if (rule["publisher"]) {
        auto publisher = Glob(ctx, rule, "publisher", rkey);
        if (!publisher.ok()) return publisher.status();
        m.publisher = *publisher;
      }
      t.match.push_back(std::move(m));
    }
    const Where here{ctx.file, node.Mark().line + 1};
    auto [it, fresh] = seen->emplace("title " + t.id, here);
    if (!fresh) {
      return ctx.Error(node["id"], key + ".id",
                       "title '" + t.id + "' is also defined at " +
                           it->second.file + ":" +
                           std::to_string(it->second.line));
    }
    titles->emplace_back(std::move(t), here);
  }
  return Status::Ok();
}

}  // namespace

Status CheckGlob(std::string_view glob) {
  if (glob.empty()) return InvalidArgumentError("empty");
  if (glob.size() > kMaxPatternBytes) {
    return InvalidArgumentError("longer than " +
                                std::to_string(kMaxPatternBytes) + " bytes");
  }
  if (!IsValidUtf8(glob)) return InvalidArgumentError("not valid UTF-8");
  bool literal = false;
  for (char c : glob) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) {
      return InvalidArgumentError("contains a control character");
    }
    if (c == '\\') {
      return InvalidArgumentError(
          "contains a backslash (patterns have no escapes)");
    }
    if (c != '*' && c != '?') literal = true;
  }
  if (!literal) {
    return InvalidArgumentError("only wildcards: it would match every package");
  }
  return Status::Ok();
}

bool GlobMatches(std::string_view glob, std::string_view text) {
  // Iterative matching with one backtrack point for the last '*'.
  size_t g = 0, t = 0;
  size_t star = std::string_view::npos, resume = 0;
  while (t < text.size()) {
    if (g < glob.size() && glob[g] == '*') {
      star = g++;
      resume = t;
    } else if (g < glob.size() && glob[g] == '?') {
      ++g;
      t += CharLength(text, t);
    } else if (g < glob.size() && LowerAscii(glob[g]) == LowerAscii(text[t])) {
      ++g;
      ++t;
    } else if (star != std::string_view::npos) {
      g = star + 1;
      resume += CharLength(text, resume);
      t = resume;
    } else {
      return false;
    }
  }
  while (g < glob.size() && glob[g] == '*') ++g;
  return g == glob.size();
}

std::string GlobToLike(std::string_view glob) {
  std::string like;
  for (char c : glob) {
    switch (c) {
      case '*':
        like += '%';
        break;
      case '?':
        like += '_';
        break;
      case '%':
      case '_':
      case '\\':
        like += '\\';
        like += c;
        break;
      default:
        like += c;
    }
  }
  return like;
}

const Category* Dictionary::FindCategory(std::string_view id) const {
  for (const auto& c : categories) {
    if (c.id == id) return &c;
  }
  return nullptr;
}

const Title* Dictionary::FindTitle(std::string_view id) const {
  for (const auto& t : titles) {
    if (t.id == id) return &t;
  }
  return nullptr;
}

const Title* Dictionary::Match(std::string_view name,
                               std::string_view publisher) const {
  for (const auto& t : titles) {
    for (const auto& m : t.match) {
      if (GlobMatches(m.name, name) &&
          (m.publisher.empty() || GlobMatches(m.publisher, publisher))) {
        return &t;
      }
    }
  }
  return nullptr;
}

Result<Dictionary> LoadDictionary(
    const std::vector<policy::PolicySource>& files) {
  Dictionary out;
  std::map<std::string, Where> seen;
  std::vector<std::pair<Title, Where>> titles;
  for (const auto& file : files) {
    auto root = policy::LoadYaml(file);
    if (!root.ok()) return root.status();
    const YamlContext ctx{file.name};
    if (!root->IsDefined() || root->IsNull()) continue;
    MAMORI_RETURN_IF_ERROR(ctx.ExpectMap(*root, "(file)"));
    MAMORI_RETURN_IF_ERROR(
        ctx.AllowedKeys(*root, "(file)", {"categories", "titles"}));
    if (const YAML::Node c = (*root)["categories"]) {
      MAMORI_RETURN_IF_ERROR(ParseCategories(ctx, c, &out, &seen));
    }
    if (const YAML::Node t = (*root)["titles"]) {
      MAMORI_RETURN_IF_ERROR(ParseTitles(ctx, t, &titles, &seen));
    }
  }
  // Categories may be defined in any file; titles are checked once all are
  // read.
  for (auto& [title, where] : titles) {
    if (out.FindCategory(title.category) == nullptr) {
      return InvalidArgumentError(where.file + ":" +
                                  std::to_string(where.line) + ": title '" +
                                  title.id + "': unknown category '" +
                                  TerminalSafe(title.category) + "'");
    }
    out.titles.push_back(std::move(title));
  }
  return out;
}

Result<const Dictionary*> BuiltinDictionary() {
  static const Result<Dictionary> kBuiltin =
      LoadDictionary(policy::BuiltinSoftwareDictionarySources());
  if (!kBuiltin.ok()) {
    return FailedPreconditionError(
        "the built-in software dictionary is broken: " +
        std::string(kBuiltin.status().message()));
  }
  return &*kBuiltin;
}

store::SoftwareDictionaryRecord ToRecord(const Dictionary& dictionary) {
  store::SoftwareDictionaryRecord record;
  std::string canonical;
  const auto add = [&canonical](std::string_view field) {
    canonical += std::to_string(field.size());
    canonical += ':';
    canonical += field;
  };
  for (const auto& c : dictionary.categories) {
    record.categories.push_back({c.id, c.name.ja, c.name.en});
    add("c");
    add(c.id);
    add(c.name.ja);
    add(c.name.en);
  }
  for (const auto& t : dictionary.titles) {
    store::SoftwareTitleRecord r{t.id, t.category, t.name.ja, t.name.en, {}};
    add("t");
    add(t.id);
    add(t.category);
    add(t.name.ja);
    add(t.name.en);
    for (const auto& m : t.match) {
      r.patterns.push_back(
          {FirstChar(m.name), GlobToLike(m.name),
           m.publisher.empty() ? std::string() : GlobToLike(m.publisher)});
      add(m.name);
      add(m.publisher);
    }
    record.titles.push_back(std::move(r));
  }
  record.fingerprint = Sha256Hex(canonical);
  return record;
}

Status SyncBuiltinDictionary(std::string_view store_url) {
  auto dictionary = BuiltinDictionary();
  if (!dictionary.ok()) return dictionary.status();
  auto store = store::OpenSoftwareStore(store_url);
  if (!store.ok()) return store.status();
  return (*store)->SyncDictionary(ToRecord(**dictionary));
}

}  // namespace mamori::software

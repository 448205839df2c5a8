// The fact-view declarations checked against the wire contract and the
// renderer's contract: every view's family is a family field of
// EndpointFacts (proto/wire/families.h), every column path names a field of
// that family's message (a typo would give a silently NULL, "unknown"
// column), enums list real enum values, and every JSON or time primitive
// goes through the dialect (a PostgreSQL dialect needs nothing else).
#include "collector/store/schema/fact_views.h"

#include <google/protobuf/descriptor.h>
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "proto/wire/families.h"

namespace mamori::store {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

// The field at dotted `path` under `message`; null when a step is missing or
// crosses a scalar.
const FieldDescriptor* Resolve(const Descriptor* message,
                               std::string_view path) {
  const FieldDescriptor* field = nullptr;
  while (!path.empty()) {
    if (message == nullptr) return nullptr;
    const size_t dot = path.find('.');
    const std::string step(path.substr(0, dot));
    field = message->FindFieldByName(step);
    if (field == nullptr) return nullptr;
    message = field->message_type();
    path = dot == std::string_view::npos ? "" : path.substr(dot + 1);
  }
  return field;
}

const Descriptor* FamilyMessage(std::string_view family) {
  const FieldDescriptor* f = wire::FamilyField(family);
  return f == nullptr ? nullptr : f->message_type();
}

// The message of one item of `view` (the family's for a per-host view).
const Descriptor* ItemMessage(const FactView& view) {
  const Descriptor* family = FamilyMessage(view.family);
  if (view.items.empty()) return family;
  const FieldDescriptor* items = Resolve(family, view.items);
  if (items == nullptr || !items->is_repeated()) return nullptr;
  return items->message_type();
}

TEST(FactViews, FamiliesAndPathsAreTheProtoContract) {
  std::set<std::string_view> names;
  for (const FactView& v : FactViews()) {
    EXPECT_TRUE(names.insert(v.name).second) << v.name << " declared twice";
    ASSERT_NE(FamilyMessage(v.family), nullptr)
        << v.name << ": '" << v.family << "' is not a family of EndpointFacts";
    const Descriptor* item = ItemMessage(v);
    ASSERT_NE(item, nullptr) << v.name << ": items '" << v.items
                             << "' is not a repeated message field";
    if (!v.parent.empty()) {
      const FactView* parent = FindFactView(v.parent);
      ASSERT_NE(parent, nullptr) << v.name;
      EXPECT_EQ(parent->family, v.family) << v.name;
      EXPECT_LT(parent, &v) << v.name << " must follow its parent";
    }
    if (!v.leading_item.empty()) {
      const FieldDescriptor* lead =
          Resolve(FamilyMessage(v.family), v.leading_item);
      ASSERT_NE(lead, nullptr) << v.name;
      EXPECT_EQ(lead->message_type(), item) << v.name;
    }
    const Descriptor* whole = FamilyMessage(v.family);
    for (const FactColumn& c : v.columns) {
      const std::string where = std::string(v.name) + "." + std::string(c.name);
      switch (c.extract) {
        case Extract::kField:
        case Extract::kEnum:
        case Extract::kTime:
        case Extract::kCount:
        case Extract::kIsObject:
        case Extract::kJoin: {
          const FieldDescriptor* f = Resolve(item, c.path);
          ASSERT_NE(f, nullptr) << where << ": no field '" << c.path << "'";
          if (c.extract == Extract::kCount || c.extract == Extract::kJoin) {
            EXPECT_TRUE(f->is_repeated()) << where;
          }
          if (c.extract == Extract::kTime) {
            EXPECT_EQ(f->message_type()->full_name(),
                      "google.protobuf.Timestamp")
                << where;
          }
          if (c.extract == Extract::kEnum) {
            ASSERT_EQ(f->type(), FieldDescriptor::TYPE_ENUM) << where;
            for (const EnumName& n : c.names) {
              EXPECT_NE(f->enum_type()->FindValueByName(std::string(n.proto)),
                        nullptr)
                  << where << ": " << n.proto;
            }
          }
          break;
        }
        case Extract::kCountSum:
          for (std::string_view p : c.paths) {
            const FieldDescriptor* f = Resolve(item, p);
            ASSERT_NE(f, nullptr) << where << ": no field '" << p << "'";
            EXPECT_TRUE(f->is_repeated()) << where;
          }
          break;
        case Extract::kFirstWhere:
        case Extract::kMinTimeWhere:
        case Extract::kCountWhere: {
          const FieldDescriptor* array = Resolve(whole, c.path);
          ASSERT_NE(array, nullptr) << where;
          ASSERT_TRUE(array->is_repeated()) << where;
          EXPECT_EQ(Resolve(array->message_type(), c.where)->type(),
                    FieldDescriptor::TYPE_BOOL)
              << where;
          EXPECT_NE(Resolve(array->message_type(), c.of), nullptr) << where;
          break;
        }
        case Extract::kItemIndex:
        case Extract::kIsCurrent:
          EXPECT_FALSE(v.items.empty()) << where << " needs an item view";
          break;
      }
      if (!c.guard.empty()) {
        const FieldDescriptor* g = Resolve(item, c.guard);
        ASSERT_NE(g, nullptr) << where;
        EXPECT_EQ(g->type(), FieldDescriptor::TYPE_MESSAGE) << where;
      }
    }
  }
}

// A dialect whose every primitive is a marker: whatever the rendered SQL
// says outside the markers is the renderer's own, dialect-free SQL.
class MarkerDialect final : public FactViewDialect {
 public:
  std::string Value(std::string_view doc, std::string_view path,
                    ColumnType) const override {
    return "VALUE(" + std::string(doc) + "," + std::string(path) + ")";
  }
  std::string ArrayLength(std::string_view doc,
                          std::string_view path) const override {
    return "LEN(" + std::string(doc) + "," + std::string(path) + ")";
  }
  std::string IsObject(std::string_view doc,
                       std::string_view path) const override {
    return "ISOBJ(" + std::string(doc) + "," + std::string(path) + ")";
  }
  std::string IsPresent(std::string_view doc,
                        std::string_view path) const override {
    return "HAS(" + std::string(doc) + "," + std::string(path) + ")";
  }
  std::string UnixSeconds(std::string_view text) const override {
    return "SECS(" + std::string(text) + ")";
  }
  std::string ValidOrNull(std::string_view doc) const override {
    return "VALID(" + std::string(doc) + ")";
  }
  std::string IsValid(std::string_view doc) const override {
    return "ISVALID(" + std::string(doc) + ")";
  }
  std::string Each(std::string_view doc, std::string_view path,
                   std::string_view alias) const override {
    return "EACH(" + std::string(doc) + "," + std::string(path) + ") " +
           std::string(alias);
  }
  std::string EachOrdinal(std::string_view alias) const override {
    return std::string(alias) + ".ORD";
  }
  std::string EachIndex(std::string_view alias) const override {
    return std::string(alias) + ".IDX";
  }
  std::string EachObject(std::string_view alias) const override {
    return std::string(alias) + ".OBJ";
  }
  std::string JoinStrings(std::string_view doc, std::string_view path,
                          std::string_view separator) const override {
    return "JOIN(" + std::string(doc) + "," + std::string(path) + "," +
           std::string(separator) + ")";
  }
};

TEST(RenderFactViews, EveryJsonPrimitiveGoesThroughTheDialect) {
  const std::vector<RenderedView> views = RenderFactViews(MarkerDialect());
  ASSERT_FALSE(views.empty());
  for (const RenderedView& v : views) {
    for (const char* sqlite_only :
         {"json_", "unixepoch", "group_concat", "'$", "e.key", "e.id", "e.type",
          "e.value", "p.value"}) {
      EXPECT_EQ(v.sql.find(sqlite_only), std::string::npos)
          << v.name << " contains " << sqlite_only << ":\n"
          << v.sql;
    }
  }
}

TEST(RenderFactViews, OrderAndShapeFollowTheContract) {
  const std::vector<RenderedView> views = RenderFactViews(MarkerDialect());
  std::set<std::string> seen;
  size_t tables = 0;
  for (const FactView& v : FactViews()) {
    if (v.storage == Storage::kTable) ++tables;
  }
  ASSERT_EQ(views.size(), tables + FactViews().size());
  for (size_t i = 0; i < views.size(); ++i) {
    const RenderedView& r = views[i];
    EXPECT_EQ(r.sql.rfind("CREATE VIEW " + r.name + " AS\n", 0), 0u) << r.name;
    EXPECT_EQ(r.sql.back() == ';', false) << r.name;
    if (i < tables) {
      // Extraction views first, each naming its table and columns.
      EXPECT_EQ(r.name, r.table + "_src");
      EXPECT_EQ(r.table_columns[0], "host_id");
    } else {
      EXPECT_TRUE(r.table.empty()) << r.name;
      EXPECT_NE(FindFactView(r.name), nullptr) << r.name;
    }
    EXPECT_TRUE(seen.insert(r.name).second) << r.name;
  }
  // Deterministic: the same bytes twice.
  const std::vector<RenderedView> again = RenderFactViews(MarkerDialect());
  for (size_t i = 0; i < views.size(); ++i) {
    EXPECT_EQ(again[i].sql, views[i].sql);
  }
  // Without tables, the public views read the extraction views.
  for (const RenderedView& r :
       RenderFactViews(MarkerDialect(), {.tables = false})) {
    if (!r.table.empty()) continue;
    const FactView* v = FindFactView(r.name);
    if (v->storage != Storage::kTable) continue;
    EXPECT_NE(r.sql.find(std::string(v->table) + "_src"), std::string::npos)
        << r.name;
  }
}

}  // namespace
}  // namespace mamori::store

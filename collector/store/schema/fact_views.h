#pragma once

// The fact views, declared once as data, and the renderer that turns the
// declarations into CREATE VIEW statements for one SQL dialect.
//
// A fact view is what a check query reads (docs/policies.md "The fact
// views"): one row per host (v_firewall) or one row per item of an array in
// the family's payload (v_exposed_services), with org_id, host_id, state and
// collected_at first and then the declared columns in declaration order.
// Each column names where its value comes from in the family's payload
// (protobuf JSON with proto field names) and how it is shaped: a plain
// value, an enum shortened to a lower-case name, an RFC 3339 time as Unix
// seconds, an array's length, or an aggregate over an array's items.
//
// API contract (for every backend):
//   - FactViews() is the one list. Order matters: a view's columns are only
//     ever appended (a column is never renamed, removed or moved), and an
//     item view follows its parent.
//   - RenderFactViews(dialect) returns, in the order they must be created,
//     every view the declarations describe: for Storage::kTable views first
//     the extraction view `<table>_src` (its columns are the table's, in
//     order: host_id, org_id, state, columns… for a parent; host_id, seq,
//     columns… for items), then the public view reading the table; for
//     Storage::kJson views the public view reading the payload directly.
//     RenderOptions::tables = false renders every public view over the
//     extraction views instead of the tables (a backend without the
//     materialised tables, e.g. PostgreSQL with JSONB).
//   - The SQL text is deterministic: the same declarations and dialect give
//     the same bytes, so a backend can compare it with what its catalogue
//     holds and recreate only the views that differ
//     (store/sqlite/fact_view_sync.h does this for SQLite).
//   - The public views read `v_family_state` (org_id, host_id, family,
//     state, collected_at, payload_json) and `fact_collected` (host_id,
//     family, collected_at), and tables `<table>` that the backend keeps
//     filled from `<table>_src`; the backend provides those.
//   - A dialect renders the JSON and time primitives (FactViewDialect
//     below); everything else is standard SQL. A new backend implements
//     that class and nothing else here.
//
// Thread safety: all functions are pure; the declarations are immutable.

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mamori::store {

// The SQL type of a view column (documentation, and the cast a typed
// dialect applies to a JSON value).
enum class ColumnType {
  kInteger,
  kBoolean,  // 1/0, NULL when unknown unless a fallback is declared
  kText,
  kUnixTime,  // integer seconds since 1970-01-01 UTC
  kJson,      // JSON text (arrays of names)
};

// How a column's value is taken from the document (the family payload, or
// one item of an array in it).
enum class Extract {
  kField,         // the value at `path`
  kEnum,          // the enum value name at `path`, shortened via `names`
  kTime,          // the RFC 3339 time at `path`, as Unix seconds
  kCount,         // the length of the array at `path`
  kCountSum,      // the sum of the lengths of the arrays in `paths`
  kIsObject,      // 1 when `path` holds an object, else 0
  kItemIndex,     // the item's 0-based position in its array
  kIsCurrent,     // 1 for the leading item (FactView::leading_item), else 0
  kJoin,          // the strings of the array at `path`, joined by `separator`
  kFirstWhere,    // `of` (shaped by `names` when set) of the first item of
                  // array `path` whose boolean `where` is true
  kMinTimeWhere,  // the earliest time `of` among items of `path` with `where`
  kCountWhere,    // how many items of `path` have `where` true and `of` set
};

// A proto enum value name and the short name a view shows.
struct EnumName {
  std::string_view proto;
  std::string_view name;
};

struct FactColumn {
  std::string_view name;
  ColumnType type;
  Extract extract;
  std::string_view path = {};  // dot-separated proto field names: "tls.dh_bits"
  // An SQL literal used when the value is absent ("0", "''", "'[]'"); empty
  // leaves NULL (unknown).
  std::string_view fallback = {};
  std::span<const EnumName> names = {};
  // A sub-message path: when it is absent the column is NULL whatever the
  // fallback (a service without TLS has no TLS facts, not false ones).
  std::string_view guard = {};
  std::string_view where = {};  // item boolean for the *Where aggregates
  std::string_view of = {};     // item field for the *Where aggregates
  std::span<const std::string_view> paths = {};  // kCountSum
  std::string_view separator = {};               // kJoin
  bool true_for_current = false;  // 1 on the leading item whatever the path
};

enum class Storage {
  kTable,  // extracted once per stored payload into <table> (triggers)
  kJson,   // read from the payload by every query
};

struct FactView {
  std::string_view name;    // "v_firewall"
  std::string_view family;  // host_facts.family: "firewall"
  Storage storage;
  std::string_view table;   // kTable: "gfact_firewall" (and "<table>_src")
  std::string_view parent;  // item views: the parent view's name
  std::string_view items;   // item views: the array path ("pending")
  // Item views: an object path whose value, when it is an object, is one
  // more item before the array's, with seq 0 ("current" network).
  std::string_view leading_item = {};
  std::span<const FactColumn> columns;
};

// Every declared fact view, parents before their items.
std::span<const FactView> FactViews();

// Null when no view has that name.
const FactView* FindFactView(std::string_view name);

// The JSON and time primitives of one SQL dialect. `doc` is an SQL
// expression holding a JSON document (or NULL); `path` is dot-separated
// proto field names. Each method returns an SQL expression or fragment.
class FactViewDialect {
 public:
  virtual ~FactViewDialect() = default;
  // The scalar at `path` as an SQL value of `type`; NULL when absent. For an
  // object or array, its JSON text.
  virtual std::string Value(std::string_view doc, std::string_view path,
                            ColumnType type) const = 0;
  // The length of the array at `path`; NULL when absent or not an array.
  virtual std::string ArrayLength(std::string_view doc,
                                  std::string_view path) const = 0;
  // A condition: `path` holds an object.
  virtual std::string IsObject(std::string_view doc,
                               std::string_view path) const = 0;
  // A condition: `path` holds any value (null included).
  virtual std::string IsPresent(std::string_view doc,
                                std::string_view path) const = 0;
  // An RFC 3339 text expression as integer Unix seconds; NULL when invalid.
  virtual std::string UnixSeconds(std::string_view text) const = 0;
  // `doc` when it is valid JSON, else NULL.
  virtual std::string ValidOrNull(std::string_view doc) const = 0;
  // A condition: `doc` is valid JSON.
  virtual std::string IsValid(std::string_view doc) const = 0;
  // A FROM item, correlated with the tables before it, with one row per
  // element of the array at `path` of `doc`, named `alias`.
  virtual std::string Each(std::string_view doc, std::string_view path,
                           std::string_view alias) const = 0;
  // Over an Each row: a stable ordinal (unique within the document), the
  // 0-based index, and the element when it is an object (else NULL).
  virtual std::string EachOrdinal(std::string_view alias) const = 0;
  virtual std::string EachIndex(std::string_view alias) const = 0;
  virtual std::string EachObject(std::string_view alias) const = 0;
  // A scalar subquery: the strings of the array at `path`, joined by
  // `separator` in array order; NULL when there are none.
  virtual std::string JoinStrings(std::string_view doc, std::string_view path,
                                  std::string_view separator) const = 0;
};

struct RenderOptions {
  // false: public views read the extraction views, not the tables.
  bool tables = true;
  // The declarations to render; empty means FactViews(). Tests pass a list
  // with a view or column more to exercise the generated migration.
  std::span<const FactView> views = {};
};

struct RenderedView {
  std::string name;  // "v_firewall", "gfact_firewall_src"
  std::string sql;   // "CREATE VIEW name AS SELECT …" (no trailing ';')
  // Extraction views only: the table filled from this view and its columns
  // in order (empty otherwise).
  std::string table;
  std::vector<std::string> table_columns;
};

// The views in creation order (see the contract above).
std::vector<RenderedView> RenderFactViews(const FactViewDialect& dialect,
                                          RenderOptions options = {});

}  // namespace mamori::store

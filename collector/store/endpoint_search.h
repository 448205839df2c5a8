#pragma once

// The endpoint list's text search (EndpointQuery::search) as both
// backends run it: a substring match, ASCII case-insensitive on SQLite and
// lower() on PostgreSQL, exactly as before the search indexes existed. The
// indexes only narrow the rows that exact test is applied to:
//
// - SQLite: an FTS5 trigram index (hosts_search, console migration 3) whose
//   phrase query finds a superset of the hosts containing the text
//   (trigrams fold case over a superset of ASCII), then the exact test.
// - PostgreSQL: pg_trgm GIN indexes on the same lower() expressions the
//   test reads, with the test written as LIKE '%…%' so the index serves it.
//
// The OS filter (EndpointQuery::os) is not narrowed: its texts match most of
// a fleet, where the index costs more than reading every host.
//
// A trigram index cannot serve a text shorter than three characters (it
// has no trigram): such searches read every host of the organisation, as
// before (UsesSearchIndex).
//
// Thread safety: pure functions.

#include <cstddef>
#include <string>
#include <string_view>

namespace mamori::store {

// The fewest characters (code points) a trigram index can serve.
inline constexpr size_t kSearchIndexMinChars = 3;

// Code points in `text`, counting each byte that does not continue a UTF-8
// sequence (so malformed text counts every stray byte).
size_t Utf8Length(std::string_view text);

// Whether a search for `text` goes through the trigram index: at least
// kSearchIndexMinChars code points and no NUL.
bool UsesSearchIndex(std::string_view text);

// `text` as one FTS5 phrase ("…" with each '"' doubled): every character
// of it, the query syntax's included (*, :, ^, NEAR, AND, parentheses), is
// matched as text, never interpreted.
std::string Fts5Phrase(std::string_view text);

// `text` as a LIKE pattern matching any string containing it: '%' + text
// with '\', '%' and '_' escaped by '\' (PostgreSQL's default escape) + '%'.
std::string LikeContaining(std::string_view text);

}  // namespace mamori::store

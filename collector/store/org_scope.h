#pragma once

// OrgScope: the organisations a console caller may see, handed to every
// console store query so tenant scoping happens below the HTTP layer. An
// operator's scope is every organisation; anyone else's is the list of
// organisation ids granted to the account (or API token).
//
// Thread safety: a plain value.

#include <algorithm>
#include <cstdint>
#include <vector>

namespace mamori::store {

struct OrgScope {
  bool all = false;              // every organisation (operators)
  std::vector<int64_t> org_ids;  // otherwise exactly these

  // True when the caller may see organisation `org_id`.
  bool Allows(int64_t org_id) const {
    return all ||
           std::find(org_ids.begin(), org_ids.end(), org_id) != org_ids.end();
  }
};

}  // namespace mamori::store

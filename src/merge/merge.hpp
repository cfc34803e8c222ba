// Merging duplicate customers into a survivor, with survivorship per field.
// The losers' contact points, tags, external ids and interactions move to the
// survivor; each loser becomes a redirect (merge/redirects.hpp); the merge is
// recorded (Table::customer_merges) with where every field came from and every
// record as it was. One transaction.
#pragma once

#include <vector>

#include "common/json.hpp"
#include "store/database.hpp"

namespace crmlite::merge {

// options: {"rule": R, "fields": {"<field>": R, ...}, "choose": {"<field>": "<customer id>"}}
// with R one of "most_recent" (the non-empty value written last; the
// default), "most_complete" (the longest non-empty value), "survivor" (the
// survivor's value, filled from the others when empty) or "manual" (the
// customer named in "choose"). Returns the merge record (see get_merge).
// Errors: CRM_ENOTFOUND for an unknown customer, CRM_EINVAL naming the field
// for a bad option, the survivor among the losers, or no loser.
Json merge(Database& db, const Uuid& survivor, const std::vector<Uuid>& losers, const Json& options);
// {"id","survivor","losers":[...],"sources":{"<field>":{"from","rule"}},"before":{id: record},
//  "status","created_at"}; CRM_ENOTFOUND.
Json get_merge(Database& db, const Uuid& merge_id);
// The merges a customer survived, newest first.
Json merges_of(Database& db, const Uuid& survivor);

}  // namespace crmlite::merge

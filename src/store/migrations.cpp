#include "store/migrations.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/error.hpp"
#include "store/ids.hpp"
#include "store/versions.hpp"

namespace crmlite {

namespace {

// v1: the foundation. Conventions: every synced record has a 16-byte global id;
// `rid` columns are local rowids used only by the full-text index and never leave
// the file; derived columns (name_pinyin, sort_key) are recomputed locally and
// never synced; times are UTC milliseconds.
constexpr const char* kV1 = R"sql(
CREATE TABLE crm_meta(key TEXT PRIMARY KEY, value ANY) STRICT, WITHOUT ROWID;
CREATE TABLE crm_counters(name TEXT PRIMARY KEY, value INTEGER NOT NULL) STRICT, WITHOUT ROWID;
INSERT INTO crm_counters VALUES ('customers', 0), ('interactions', 0);

-- Sync bookkeeping: sites by small index, packed per-record field versions, tombstones.
CREATE TABLE sync_sites(idx INTEGER PRIMARY KEY, site BLOB NOT NULL UNIQUE) STRICT;
CREATE TABLE sync_versions(
  tbl INTEGER NOT NULL, id BLOB NOT NULL, hlc INTEGER NOT NULL, seq INTEGER NOT NULL,
  vers BLOB NOT NULL, PRIMARY KEY(tbl, id)) STRICT, WITHOUT ROWID;
CREATE INDEX sync_versions_seq ON sync_versions(seq);
CREATE TABLE sync_tombstones(
  tbl INTEGER NOT NULL, id BLOB NOT NULL, hlc INTEGER NOT NULL, site INTEGER NOT NULL,
  seq INTEGER NOT NULL, PRIMARY KEY(tbl, id)) STRICT, WITHOUT ROWID;
CREATE INDEX sync_tombstones_seq ON sync_tombstones(seq);

CREATE TABLE customers(
  rid INTEGER PRIMARY KEY,
  id BLOB NOT NULL UNIQUE CHECK(length(id) = 16),
  kind TEXT NOT NULL CHECK(kind IN ('person', 'company')),
  display_name TEXT NOT NULL,
  given_name TEXT, family_name TEXT, gender TEXT, birthday TEXT, title TEXT, industry TEXT,
  company TEXT, company_id BLOB REFERENCES customers(id) ON DELETE SET NULL,
  region TEXT, country TEXT, province TEXT, city TEXT, address TEXT, postcode TEXT,
  source TEXT, stage TEXT, owner TEXT,
  consent_marketing INTEGER NOT NULL DEFAULT 0, consent_data_sharing INTEGER NOT NULL DEFAULT 0,
  national_id TEXT, notes TEXT, custom TEXT,
  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
  name_pinyin TEXT, sort_key BLOB
) STRICT;
CREATE INDEX customers_sort ON customers(sort_key, id);
CREATE INDEX customers_name ON customers(display_name, id);
CREATE INDEX customers_owner ON customers(owner, sort_key, id);
CREATE INDEX customers_stage ON customers(stage, sort_key, id);
CREATE INDEX customers_city ON customers(city);
CREATE INDEX customers_region ON customers(region);
CREATE INDEX customers_created ON customers(created_at, id);
CREATE INDEX customers_updated ON customers(updated_at, id);
CREATE INDEX customers_company ON customers(company_id) WHERE company_id IS NOT NULL;

CREATE TABLE contact_points(
  id BLOB PRIMARY KEY,
  customer_id BLOB NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
  type TEXT NOT NULL CHECK(type IN ('phone', 'email')),
  label TEXT, value TEXT NOT NULL, normalized TEXT NOT NULL,
  is_primary INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX contact_points_customer ON contact_points(customer_id, type);
CREATE INDEX contact_points_normalized ON contact_points(type, normalized);

CREATE TABLE external_ids(
  system TEXT NOT NULL, external_id TEXT NOT NULL, id BLOB NOT NULL UNIQUE,
  customer_id BLOB NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
  PRIMARY KEY(system, external_id)) STRICT, WITHOUT ROWID;
CREATE INDEX external_ids_customer ON external_ids(customer_id);

CREATE TABLE interactions(
  rid INTEGER PRIMARY KEY,
  id BLOB NOT NULL UNIQUE CHECK(length(id) = 16),
  customer_id BLOB NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
  kind TEXT NOT NULL, channel TEXT, direction TEXT, occurred_at INTEGER NOT NULL,
  subject TEXT, body TEXT, user_id TEXT, status TEXT,
  amount_minor INTEGER, currency TEXT, rating INTEGER, nps INTEGER,
  items TEXT, attributes TEXT,
  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX interactions_timeline ON interactions(customer_id, occurred_at DESC, id DESC);
CREATE INDEX interactions_kind ON interactions(kind, occurred_at);

CREATE TABLE tags(
  id BLOB PRIMARY KEY, path TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
  parent_id BLOB REFERENCES tags(id), kind TEXT NOT NULL, level INTEGER NOT NULL,
  created_at INTEGER NOT NULL) STRICT, WITHOUT ROWID;
CREATE TABLE customer_tags(
  customer_id BLOB NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
  tag_id BLOB NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
  source TEXT NOT NULL DEFAULT 'manual', created_at INTEGER NOT NULL,
  PRIMARY KEY(customer_id, tag_id)) STRICT, WITHOUT ROWID;
CREATE INDEX customer_tags_tag ON customer_tags(tag_id, customer_id);

-- Full-text search. Customers: external content over a view that joins the
-- contact points (phones as digits, so trailing digits match); kept in step by
-- the customers module inside the same transaction. Interactions: external
-- content over the table, kept in step by triggers.
CREATE VIEW customer_search_doc AS
SELECT c.rid AS rid, c.display_name AS name,
       coalesce(c.name_pinyin, '') AS pinyin,
       coalesce(c.company, '') AS company,
       coalesce((SELECT group_concat(replace(p.normalized, '+', ''), ' ') FROM contact_points p
                 WHERE p.customer_id = c.id AND p.type = 'phone'), '') AS phones,
       coalesce((SELECT group_concat(p.value, ' ') FROM contact_points p
                 WHERE p.customer_id = c.id AND p.type = 'email'), '') AS emails,
       coalesce(c.notes, '') AS notes
FROM customers c;
CREATE VIRTUAL TABLE customer_fts USING fts5(
  name, pinyin, company, phones, emails, notes,
  content='customer_search_doc', content_rowid='rid', tokenize='crm', prefix='2 3');

CREATE VIRTUAL TABLE interaction_fts USING fts5(
  subject, body, content='interactions', content_rowid='rid', tokenize='crm', prefix='2 3');
CREATE TRIGGER interactions_fts_ai AFTER INSERT ON interactions BEGIN
  INSERT INTO interaction_fts(rowid, subject, body)
  VALUES (new.rid, coalesce(new.subject, ''), coalesce(new.body, ''));
END;
CREATE TRIGGER interactions_fts_ad AFTER DELETE ON interactions BEGIN
  INSERT INTO interaction_fts(interaction_fts, rowid, subject, body)
  VALUES ('delete', old.rid, coalesce(old.subject, ''), coalesce(old.body, ''));
END;
CREATE TRIGGER interactions_fts_au AFTER UPDATE OF subject, body ON interactions BEGIN
  INSERT INTO interaction_fts(interaction_fts, rowid, subject, body)
  VALUES ('delete', old.rid, coalesce(old.subject, ''), coalesce(old.body, ''));
  INSERT INTO interaction_fts(rowid, subject, body)
  VALUES (new.rid, coalesce(new.subject, ''), coalesce(new.body, ''));
END;
)sql";

}  // namespace

// v2: the interactions' full-text index is maintained by the search module's
// deferred queue (search/index_queue.cpp) like the customers', not by
// triggers: a trigger writes FTS5 row by row inside savepoints, which costs a
// segment per row in a bulk import.
constexpr const char* kV2 = R"sql(
DROP TRIGGER interactions_fts_ai;
DROP TRIGGER interactions_fts_ad;
DROP TRIGGER interactions_fts_au;
)sql";

// v3: packed field versions gain a per-field change sequence number, so a
// changeset carries only the fields changed since a peer's cursor. Old entries
// (field, stamp delta, site) get the row's seq (seq delta 0).
void v3_per_field_seq(SQLite::Database& db) {
    SQLite::Statement read(db, "SELECT tbl, id, hlc, seq, vers FROM sync_versions");
    SQLite::Statement write(db, "UPDATE sync_versions SET vers = ? WHERE tbl = ? AND id = ?");
    while (read.executeStep()) {
        const auto blob = read.getColumn(4);
        const std::string_view old(static_cast<const char*>(blob.getBlob()), static_cast<std::size_t>(blob.getBytes()));
        const std::int64_t hlc = read.getColumn(2).getInt64(), seq = read.getColumn(3).getInt64();
        std::vector<FieldVersion> versions;
        std::size_t pos = 0;
        while (pos < old.size()) {
            std::uint64_t field, delta, site;
            if (!get_varint(old, pos, field) || !get_varint(old, pos, delta) || !get_varint(old, pos, site) ||
                field > 63 || delta > static_cast<std::uint64_t>(hlc))
                throw Error(CRM_ECORRUPT, "sync_versions: malformed version vector (migration 3)");
            versions.push_back({static_cast<int>(field), hlc - static_cast<std::int64_t>(delta),
                                static_cast<std::int64_t>(site), seq});
        }
        const std::string packed = encode_versions(versions, hlc, seq);
        write.bind(1, packed.data(), static_cast<int>(packed.size()));
        const auto id = read.getColumn(1);
        write.bind(2, read.getColumn(0).getInt64());
        write.bind(3, id.getBlob(), id.getBytes());
        write.exec();
        write.reset();
    }
}

// v4: a tag assignment gets its sync id as a column (v8 of customer and tag), so
// that sync reads and writes every synced table by id alike.
constexpr const char* kV4 = R"sql(
ALTER TABLE customer_tags ADD COLUMN id BLOB;
)sql";

void v4_assignment_ids(SQLite::Database& db) {
    SQLite::Statement read(db, "SELECT customer_id, tag_id FROM customer_tags");
    SQLite::Statement write(db, "UPDATE customer_tags SET id = ? WHERE customer_id = ? AND tag_id = ?");
    while (read.executeStep()) {
        const auto c = read.getColumn(0), t = read.getColumn(1);
        std::string key(static_cast<const char*>(c.getBlob()), 16);
        key.append(static_cast<const char*>(t.getBlob()), 16);
        const Uuid id = Uuid::v8("customer_tag", key);
        write.bind(1, id.data(), Uuid::size());
        write.bind(2, c.getBlob(), 16);
        write.bind(3, t.getBlob(), 16);
        write.exec();
        write.reset();
    }
    db.exec("CREATE UNIQUE INDEX customer_tags_id ON customer_tags(id)");
}

// v5: the sync log, one row per (change sequence number, record) still carried
// by a field of the record (store/database.cpp, WriteScope::store_versions);
// changes_since pages through it. It replaces the index on sync_versions.seq.
constexpr const char* kV5 = R"sql(
CREATE TABLE sync_log(seq INTEGER NOT NULL, tbl INTEGER NOT NULL, id BLOB NOT NULL,
  PRIMARY KEY(seq, tbl, id)) STRICT, WITHOUT ROWID;
DROP INDEX sync_versions_seq;
)sql";

void v5_sync_log(SQLite::Database& db) {
    SQLite::Statement read(db, "SELECT tbl, id, hlc, seq, vers FROM sync_versions");
    SQLite::Statement write(db, "INSERT OR IGNORE INTO sync_log(seq, tbl, id) VALUES (?, ?, ?)");
    while (read.executeStep()) {
        const auto blob = read.getColumn(4);
        const auto versions = decode_versions(
            std::string_view(static_cast<const char*>(blob.getBlob()), static_cast<std::size_t>(blob.getBytes())),
            read.getColumn(2).getInt64(), read.getColumn(3).getInt64());
        for (const auto& v : versions) {
            write.bind(1, v.seq);
            write.bind(2, read.getColumn(0).getInt64());
            write.bind(3, read.getColumn(1).getBlob(), read.getColumn(1).getBytes());
            write.exec();
            write.reset();
        }
    }
}

// v6: per peer, how far this replica holds its changes (sync/engine.cpp).
constexpr const char* kV6 = R"sql(
CREATE TABLE sync_peers(site BLOB PRIMARY KEY, received_through INTEGER NOT NULL) STRICT, WITHOUT ROWID;
)sql";

// v7 (sync/engine.cpp): the conflict log; fields of newer versions kept to be
// forwarded; per filtered peer, which customers it holds; per peer, what it has
// acknowledged of this replica's changes and when it was last seen (tombstone
// garbage collection). Packed versions may now carry a base stamp (field index
// + 64), which older rows simply lack: no rewrite.
constexpr const char* kV7 = R"sql(
CREATE TABLE sync_conflicts(
  n INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  tbl INTEGER NOT NULL, id BLOB NOT NULL, field TEXT NOT NULL, reason TEXT NOT NULL,
  lost ANY, lost_hlc INTEGER NOT NULL, lost_site INTEGER NOT NULL,
  kept ANY, kept_hlc INTEGER NOT NULL, kept_site INTEGER NOT NULL) STRICT;
CREATE INDEX sync_conflicts_record ON sync_conflicts(tbl, id);
CREATE INDEX sync_conflicts_at ON sync_conflicts(at);
CREATE TABLE sync_extra(
  tbl INTEGER NOT NULL, id BLOB NOT NULL, name TEXT NOT NULL,
  value ANY, hlc INTEGER NOT NULL, site INTEGER NOT NULL, seq INTEGER NOT NULL, base INTEGER NOT NULL,
  PRIMARY KEY(tbl, id, name)) STRICT, WITHOUT ROWID;
CREATE INDEX sync_extra_seq ON sync_extra(seq);
CREATE TABLE sync_shares(
  peer INTEGER NOT NULL, customer BLOB NOT NULL,
  held INTEGER NOT NULL, prev_held INTEGER NOT NULL, seq INTEGER NOT NULL,
  PRIMARY KEY(peer, customer)) STRICT, WITHOUT ROWID;
ALTER TABLE sync_peers ADD COLUMN acked_through INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sync_peers ADD COLUMN last_seen INTEGER NOT NULL DEFAULT 0;
)sql";

// v8 (data quality: src/normalize, src/dedup, src/merge, src/validation):
// local settings (default phone region, field rules as JSON); the duplicate
// detector's match keys, derived and never synced, refreshed from each
// customer's updated_at; merged customers as synced records (Table 20: the
// loser's redirect to its survivor, id = the loser's id; Table 21: the merge
// itself, with where every field came from and the records as they were).
constexpr const char* kV8 = R"sql(
CREATE TABLE quality_settings(key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT, WITHOUT ROWID;
CREATE TABLE dedup_state(customer_id BLOB PRIMARY KEY, updated_at INTEGER NOT NULL) STRICT, WITHOUT ROWID;
CREATE TABLE dedup_keys(key TEXT NOT NULL, customer_id BLOB NOT NULL, PRIMARY KEY(key, customer_id)) STRICT, WITHOUT ROWID;
CREATE INDEX dedup_keys_customer ON dedup_keys(customer_id);
CREATE TABLE customer_redirects(
  id BLOB PRIMARY KEY CHECK(length(id) = 16),
  survivor_id BLOB NOT NULL CHECK(length(survivor_id) = 16),
  merge_id BLOB NOT NULL CHECK(length(merge_id) = 16),
  merged_hlc INTEGER NOT NULL,
  seen TEXT NOT NULL DEFAULT '[]',
  created_at INTEGER NOT NULL) STRICT, WITHOUT ROWID;
CREATE INDEX customer_redirects_survivor ON customer_redirects(survivor_id);
CREATE TABLE customer_merges(
  id BLOB PRIMARY KEY CHECK(length(id) = 16),
  survivor_id BLOB NOT NULL CHECK(length(survivor_id) = 16),
  losers TEXT NOT NULL,
  sources TEXT NOT NULL,
  before TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'merged',
  created_at INTEGER NOT NULL) STRICT, WITHOUT ROWID;
CREATE INDEX customer_merges_survivor ON customer_merges(survivor_id);
)sql";

// v9 (issue 5, customer value and lifecycle). Derived, never synced: RFM state
// and snapshots (rfm_*) and the rule-assigned tags' bookkeeping. Synced records
// (Table 10-13): tasks, follow-up rules, tag rules, lifecycle stage history.
constexpr const char* kV9 = R"sql(
CREATE TABLE rfm_state(key TEXT PRIMARY KEY, value ANY) STRICT, WITHOUT ROWID;
CREATE TABLE rfm_current(
  customer_id BLOB PRIMARY KEY, frequency INTEGER NOT NULL, monetary INTEGER NOT NULL,
  first_day INTEGER, last_day INTEGER,
  r INTEGER, f INTEGER, m INTEGER, segment TEXT, tier TEXT) STRICT, WITHOUT ROWID;
CREATE TABLE rfm_snapshots(
  id INTEGER PRIMARY KEY, as_of INTEGER NOT NULL, as_of_day INTEGER NOT NULL, created_at INTEGER NOT NULL,
  params TEXT NOT NULL, customers INTEGER NOT NULL, buyers INTEGER NOT NULL) STRICT;
CREATE TABLE rfm_scores(
  snapshot INTEGER NOT NULL REFERENCES rfm_snapshots(id) ON DELETE CASCADE,
  customer_id BLOB NOT NULL, recency_days INTEGER, frequency INTEGER NOT NULL, monetary INTEGER NOT NULL,
  r INTEGER, f INTEGER, m INTEGER, segment TEXT NOT NULL, tier TEXT NOT NULL,
  PRIMARY KEY(snapshot, customer_id)) STRICT, WITHOUT ROWID;
CREATE INDEX rfm_scores_customer ON rfm_scores(customer_id, snapshot);

CREATE TABLE tasks(
  id BLOB PRIMARY KEY,
  customer_id BLOB NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
  assignee TEXT, kind TEXT NOT NULL, title TEXT, due_at INTEGER NOT NULL,
  status TEXT NOT NULL CHECK(status IN ('open', 'done', 'snoozed', 'cancelled')),
  snoozed_until INTEGER, notes TEXT, rule_id BLOB, completed_at INTEGER,
  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL) STRICT, WITHOUT ROWID;
CREATE INDEX tasks_due ON tasks(status, due_at);
CREATE INDEX tasks_customer ON tasks(customer_id, due_at);
CREATE TABLE followup_rules(
  id BLOB PRIMARY KEY, name TEXT NOT NULL, definition TEXT NOT NULL, enabled INTEGER NOT NULL,
  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL) STRICT, WITHOUT ROWID;
CREATE TABLE tag_rules(
  id BLOB PRIMARY KEY, name TEXT NOT NULL, tag TEXT NOT NULL, condition TEXT NOT NULL,
  enabled INTEGER NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL) STRICT, WITHOUT ROWID;
CREATE TABLE lifecycle_history(
  id BLOB PRIMARY KEY,
  customer_id BLOB NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
  stage TEXT NOT NULL, previous TEXT, source TEXT NOT NULL, at INTEGER NOT NULL,
  created_at INTEGER NOT NULL) STRICT, WITHOUT ROWID;
CREATE INDEX lifecycle_history_customer ON lifecycle_history(customer_id, at);
)sql";

// v10 (src/access, src/audit, issue 7): users, custom roles, the audit log
// (one hash chain per site, entries hold ids and counts, never personal
// content) and each chain's head, so deleting the newest entries is detected.
constexpr const char* kV10 = R"sql(
CREATE TABLE access_roles(
  name TEXT PRIMARY KEY, permissions TEXT NOT NULL,
  scope TEXT NOT NULL CHECK(scope IN ('own', 'team', 'all')), created_at INTEGER NOT NULL) STRICT, WITHOUT ROWID;
CREATE TABLE access_users(
  name TEXT PRIMARY KEY, display_name TEXT, role TEXT NOT NULL, team TEXT,
  active INTEGER NOT NULL DEFAULT 1, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL) STRICT, WITHOUT ROWID;
CREATE INDEX access_users_team ON access_users(team) WHERE team IS NOT NULL;
CREATE TABLE audit_log(
  id BLOB PRIMARY KEY CHECK(length(id) = 16), site BLOB NOT NULL, n INTEGER NOT NULL, at INTEGER NOT NULL,
  principal TEXT NOT NULL, action TEXT NOT NULL, outcome TEXT NOT NULL,
  record_type TEXT, record_id BLOB, detail TEXT,
  prev BLOB NOT NULL, hash BLOB NOT NULL, UNIQUE(site, n)) STRICT, WITHOUT ROWID;
CREATE INDEX audit_log_record ON audit_log(record_id) WHERE record_id IS NOT NULL;
CREATE INDEX audit_log_at ON audit_log(at);
CREATE TABLE audit_heads(site BLOB PRIMARY KEY, n INTEGER NOT NULL, hash BLOB NOT NULL) STRICT, WITHOUT ROWID;
)sql";

// v11 (issue 8, src/pipeline, src/leads, src/campaigns): sales and marketing.
// Every table here is a synced record (src/sync/schema.cpp): per-field
// last-writer-wins, created and changed on any device. Stage history and lead
// events are append-only records of their own, so concurrent moves on two
// devices both stay in the history. No foreign keys: sync orders parents before
// children itself (schema ref_table), and a record may arrive before or after
// what it points at on a filtered device. Money is minor units + ISO-4217 code.
constexpr const char* kV11 = R"sql(
CREATE TABLE pipelines(id BLOB PRIMARY KEY, name TEXT NOT NULL, archived INTEGER,
  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL) STRICT;
CREATE TABLE pipeline_stages(id BLOB PRIMARY KEY, pipeline_id BLOB NOT NULL, name TEXT NOT NULL,
  position INTEGER NOT NULL, probability INTEGER NOT NULL, outcome TEXT NOT NULL,
  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL) STRICT;
CREATE INDEX pipeline_stages_pipeline ON pipeline_stages(pipeline_id, position);
CREATE TABLE leads(id BLOB PRIMARY KEY, name TEXT NOT NULL, company TEXT, phone TEXT, email TEXT,
  phone_norm TEXT, email_norm TEXT, source TEXT, campaign_id BLOB, status TEXT NOT NULL,
  owner TEXT, team TEXT, region TEXT, customer_id BLOB, opportunity_id BLOB, converted_at INTEGER,
  notes TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL) STRICT;
CREATE INDEX leads_phone ON leads(phone_norm) WHERE phone_norm IS NOT NULL;
CREATE INDEX leads_email ON leads(email_norm) WHERE email_norm IS NOT NULL;
CREATE INDEX leads_owner ON leads(owner, status);
CREATE TABLE lead_events(id BLOB PRIMARY KEY, lead_id BLOB NOT NULL, kind TEXT NOT NULL,
  from_value TEXT, to_value TEXT, at INTEGER NOT NULL, by_user TEXT, rule_id BLOB,
  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL) STRICT;
CREATE INDEX lead_events_lead ON lead_events(lead_id, at);
CREATE INDEX lead_events_rule ON lead_events(rule_id, at) WHERE rule_id IS NOT NULL;
CREATE TABLE assignment_rules(id BLOB PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL,
  team TEXT, members TEXT NOT NULL, region TEXT, source TEXT, priority INTEGER NOT NULL, active INTEGER NOT NULL,
  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL) STRICT;
CREATE TABLE opportunities(id BLOB PRIMARY KEY, customer_id BLOB NOT NULL, name TEXT NOT NULL,
  owner TEXT, team TEXT, pipeline_id BLOB NOT NULL, stage_id BLOB NOT NULL, status TEXT NOT NULL,
  amount_minor INTEGER, currency TEXT, expected_close TEXT, close_reason TEXT, closed_at INTEGER,
  items TEXT, order_ids TEXT, lead_id BLOB, campaign_id BLOB, notes TEXT,
  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL) STRICT;
CREATE INDEX opportunities_customer ON opportunities(customer_id);
CREATE INDEX opportunities_status ON opportunities(status, expected_close);
CREATE TABLE stage_history(id BLOB PRIMARY KEY, opportunity_id BLOB NOT NULL, customer_id BLOB NOT NULL,
  from_stage_id BLOB, to_stage_id BLOB NOT NULL, at INTEGER NOT NULL, by_user TEXT,
  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL) STRICT;
CREATE INDEX stage_history_opportunity ON stage_history(opportunity_id, at);
CREATE INDEX stage_history_customer ON stage_history(customer_id);
CREATE TABLE campaigns(id BLOB PRIMARY KEY, name TEXT NOT NULL, channel TEXT, status TEXT NOT NULL,
  audience TEXT, audience_mode TEXT NOT NULL, starts_at INTEGER, ends_at INTEGER, cost_minor INTEGER,
  currency TEXT, attribution_days INTEGER NOT NULL, control_pct INTEGER NOT NULL, frozen_at INTEGER, audience_counts TEXT,
  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL) STRICT;
CREATE TABLE campaign_members(id BLOB PRIMARY KEY, campaign_id BLOB NOT NULL, customer_id BLOB NOT NULL,
  status TEXT NOT NULL, control INTEGER NOT NULL, contacted_at INTEGER, status_at INTEGER,
  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL) STRICT;
CREATE INDEX campaign_members_campaign ON campaign_members(campaign_id, status);
CREATE INDEX campaign_members_customer ON campaign_members(customer_id);
)sql";

// v12: ghosts of deleted content-addressed records (store/ghosts.hpp).
constexpr const char* kV12 = R"sql(
CREATE TABLE sync_ghosts(
  tbl INTEGER NOT NULL, id BLOB NOT NULL, customer BLOB,
  hlc INTEGER NOT NULL, seq INTEGER NOT NULL, vers BLOB NOT NULL, vals BLOB NOT NULL,
  PRIMARY KEY(tbl, id)) STRICT, WITHOUT ROWID;
CREATE INDEX sync_ghosts_customer ON sync_ghosts(customer) WHERE customer IS NOT NULL;
)sql";

// v13 (data quality, issue 6): the duplicate detector's key index follows
// every write of what its match keys are made of, local or arriving by sync:
// a customer's key state is dropped when its name, identity or address
// fields or its contact points change, so the next refresh re-keys it (a
// change by sync need not move updated_at).
constexpr const char* kV13 = R"sql(
CREATE TRIGGER dedup_stale_customer AFTER UPDATE OF kind, display_name, family_name, given_name, national_id,
  birthday, province, city, postcode, address, company ON customers
BEGIN DELETE FROM dedup_state WHERE customer_id = NEW.id; END;
CREATE TRIGGER dedup_stale_point_insert AFTER INSERT ON contact_points
BEGIN DELETE FROM dedup_state WHERE customer_id = NEW.customer_id; END;
CREATE TRIGGER dedup_stale_point_delete AFTER DELETE ON contact_points
BEGIN DELETE FROM dedup_state WHERE customer_id = OLD.customer_id; END;
CREATE TRIGGER dedup_stale_point_update AFTER UPDATE OF customer_id, type, normalized ON contact_points
BEGIN DELETE FROM dedup_state WHERE customer_id IN (OLD.customer_id, NEW.customer_id); END;
)sql";

// v14 (issue 7, privacy under sync; docs/privacy.md): the audit log travels to
// the hub (each entry of this site's chain gets the change sequence number of
// the transaction that wrote it, so changes_since pages it like any change;
// entries received from other sites have none and are never sent on). The
// entries written before this version get one fresh seq, so every peer
// receives them. A customer's tombstone remembers that it was an erasure (it
// travels as one, and a replica receiving it scrubs its file). sync_masked:
// which fields of a record this replica holds as masked values (a device of a
// principal without the unmask permission); they are never sent back.
constexpr const char* kV14 = R"sql(
ALTER TABLE audit_log ADD COLUMN seq INTEGER;
UPDATE crm_meta SET value = value + 1 WHERE key = 'seq'
  AND EXISTS (SELECT 1 FROM audit_log WHERE site = (SELECT value FROM crm_meta WHERE key = 'site_id'));
UPDATE audit_log SET seq = (SELECT value FROM crm_meta WHERE key = 'seq')
  WHERE site = (SELECT value FROM crm_meta WHERE key = 'site_id');
CREATE INDEX audit_log_seq ON audit_log(seq) WHERE seq IS NOT NULL;
ALTER TABLE sync_tombstones ADD COLUMN erased INTEGER NOT NULL DEFAULT 0;
CREATE TABLE sync_masked(
  tbl INTEGER NOT NULL, id BLOB NOT NULL, fields INTEGER NOT NULL,
  PRIMARY KEY(tbl, id)) STRICT, WITHOUT ROWID;
)sql";

// v15: a customer's tasks (sync table 10) and lifecycle history (13) used to
// leave with it by ON DELETE CASCADE alone, so their version vectors and log
// entries stayed behind without a row (now the tasks module removes them with
// tombstones, tasks/records.hpp). Every replica deletes them under the
// customer's tombstone, so the leftovers are simply dropped.
constexpr const char* kV15 = R"sql(
DELETE FROM sync_log WHERE (tbl = 10 AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.id = sync_log.id))
  OR (tbl = 13 AND NOT EXISTS (SELECT 1 FROM lifecycle_history h WHERE h.id = sync_log.id));
DELETE FROM sync_extra WHERE (tbl = 10 AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.id = sync_extra.id))
  OR (tbl = 13 AND NOT EXISTS (SELECT 1 FROM lifecycle_history h WHERE h.id = sync_extra.id));
DELETE FROM sync_masked WHERE (tbl = 10 AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.id = sync_masked.id))
  OR (tbl = 13 AND NOT EXISTS (SELECT 1 FROM lifecycle_history h WHERE h.id = sync_masked.id));
DELETE FROM sync_versions WHERE (tbl = 10 AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.id = sync_versions.id))
  OR (tbl = 13 AND NOT EXISTS (SELECT 1 FROM lifecycle_history h WHERE h.id = sync_versions.id));
)sql";

// v16: a conflict-log entry and a tombstone name the customer their record
// belongs to, so erasing a person also clears the entries of records that were
// under it but were deleted before the erasure, and marks their tombstones as
// an erasure (subject::forget_traces, mark_erased). Existing rows get the
// customer where the record's row or its ghost is still here.
constexpr const char* kV16 = R"sql(
ALTER TABLE sync_tombstones ADD COLUMN customer BLOB;
UPDATE sync_tombstones SET customer = id WHERE tbl = 1;
UPDATE sync_tombstones SET customer =
  (SELECT g.customer FROM sync_ghosts g WHERE g.tbl = sync_tombstones.tbl AND g.id = sync_tombstones.id)
WHERE tbl <> 1;
CREATE INDEX sync_tombstones_customer ON sync_tombstones(customer) WHERE customer IS NOT NULL;
ALTER TABLE sync_conflicts ADD COLUMN customer BLOB;
UPDATE sync_conflicts SET customer = id WHERE tbl = 1;
UPDATE sync_conflicts SET customer = coalesce(
  CASE tbl
    WHEN 2 THEN (SELECT customer_id FROM contact_points r WHERE r.id = sync_conflicts.id)
    WHEN 3 THEN (SELECT customer_id FROM interactions r WHERE r.id = sync_conflicts.id)
    WHEN 5 THEN (SELECT customer_id FROM customer_tags r WHERE r.id = sync_conflicts.id)
    WHEN 6 THEN (SELECT customer_id FROM external_ids r WHERE r.id = sync_conflicts.id)
    WHEN 10 THEN (SELECT customer_id FROM tasks r WHERE r.id = sync_conflicts.id)
    WHEN 13 THEN (SELECT customer_id FROM lifecycle_history r WHERE r.id = sync_conflicts.id)
    WHEN 45 THEN (SELECT customer_id FROM opportunities r WHERE r.id = sync_conflicts.id)
    WHEN 46 THEN (SELECT customer_id FROM stage_history r WHERE r.id = sync_conflicts.id)
    WHEN 48 THEN (SELECT customer_id FROM campaign_members r WHERE r.id = sync_conflicts.id)
    WHEN 20 THEN (SELECT survivor_id FROM customer_redirects r WHERE r.id = sync_conflicts.id)
    WHEN 21 THEN (SELECT survivor_id FROM customer_merges r WHERE r.id = sync_conflicts.id)
  END,
  (SELECT g.customer FROM sync_ghosts g WHERE g.tbl = sync_conflicts.tbl AND g.id = sync_conflicts.id))
WHERE tbl <> 1;
CREATE INDEX sync_conflicts_customer ON sync_conflicts(customer) WHERE customer IS NOT NULL;
)sql";

// v17: a record's packed field versions move into its own row (sync_hlc,
// sync_seq, sync_vers; store/captured_tables.hpp): sync_versions (a 16-byte id
// key per record) and the sync_log entry of the newest seq (another) were the
// bulk of the sync metadata and two of the three extra B-tree writes of every
// captured edit. sync_older_seqs keeps only the other seqs a record's fields
// still carry. Read-only views keep the old names for inspection.
// The table list is this migration's own (the 21 captured tables of schema
// 17), not captured_tables(): a table added to that list later is created by
// its own migration, with the columns, after this one has run; that migration
// also recreates both views.
constexpr std::pair<int, const char*> kV17Tables[] = {
    {1, "customers"},         {2, "contact_points"},    {3, "interactions"},     {4, "tags"},
    {5, "customer_tags"},     {6, "external_ids"},      {10, "tasks"},           {11, "followup_rules"},
    {12, "tag_rules"},        {13, "lifecycle_history"}, {20, "customer_redirects"}, {21, "customer_merges"},
    {40, "pipelines"},        {41, "pipeline_stages"},  {42, "leads"},           {43, "lead_events"},
    {44, "assignment_rules"}, {45, "opportunities"},    {46, "stage_history"},   {47, "campaigns"},
    {48, "campaign_members"}};

std::string v17_union(const std::string& columns, const std::string& where) {
    std::string sql;
    for (const auto& [k, n] : kV17Tables) {
        std::string cols = columns;
        if (const auto at = cols.find("$tbl"); at != std::string::npos) cols.replace(at, 4, std::to_string(k));
        sql += std::string(sql.empty() ? "" : " UNION ALL ") + "SELECT " + cols + " FROM " + n + " WHERE " + where;
    }
    return sql;
}

// The three columns go into the tables' definitions at once. A nullable
// column without a default changes no stored record (a record shorter than
// its table reads NULL in the missing trailing columns), so this is what
// ALTER TABLE ADD COLUMN does, but 63 of those each reloaded and re-checked
// the whole schema: creating a file took 60 ms longer. The procedure is
// SQLite's own for schema changes that leave stored records alone
// (sqlite.org/lang_altertable.html, "otheralter"): edit sqlite_schema with
// writable_schema on, then increment schema_version so the schema is re-read.
// Where the columns go is not guessed: each candidate definition is created
// in a scratch in-memory database first and used only if SQLite reads it as
// the same columns, in the same order, followed by the three new ones; a
// table with no such candidate gets ALTER TABLE instead.
std::vector<std::string> column_info(SQLite::Database& db, const std::string& table) {
    std::vector<std::string> out;
    SQLite::Statement st(db, "SELECT cid, name, type, \"notnull\", quote(dflt_value), pk FROM pragma_table_info(?)");
    st.bind(1, table);
    while (st.executeStep()) {
        std::string row;
        for (int c = 0; c < 6; ++c) row += st.getColumn(c).getString() + '|';
        out.push_back(row);
    }
    return out;
}

constexpr const char* kV17Columns = "sync_hlc INTEGER, sync_seq INTEGER, sync_vers BLOB";

std::optional<std::string> v17_definition(SQLite::Database& db, const std::string& table, const std::string& sql) {
    auto wanted = column_info(db, table);
    if (wanted.empty()) return std::nullopt;
    {
        SQLite::Database probe(":memory:", SQLite::OPEN_READWRITE);
        probe.exec("CREATE TABLE x(sync_hlc INTEGER, sync_seq INTEGER, sync_vers BLOB)");
        for (const auto& row : column_info(probe, "x")) {
            const auto cid = row.substr(0, row.find('|'));
            wanted.push_back(std::to_string(wanted.size()) + row.substr(cid.size()));
        }
    }
    // Candidates: before the list's closing parenthesis (the last one: only
    // table options follow it), then before each comma from the end (table
    // constraints such as PRIMARY KEY(a, b) come after the columns).
    const auto close = sql.rfind(')');
    if (close == std::string::npos) return std::nullopt;
    std::vector<std::size_t> at{close};
    for (std::size_t p = close; p-- > 0;)
        if (sql[p] == ',') at.push_back(p);
    for (const auto p : at) {
        const std::string candidate = sql.substr(0, p) + ", " + kV17Columns + sql.substr(p);
        try {
            SQLite::Database probe(":memory:", SQLite::OPEN_READWRITE);
            probe.exec(candidate);
            if (column_info(probe, table) == wanted) return candidate;
        } catch (const SQLite::Exception&) {
            // Not a valid definition: the next candidate.
        }
    }
    return std::nullopt;
}

void v17_add_version_columns(SQLite::Database& db) {
    std::vector<std::pair<std::string, std::string>> edits;
    std::vector<std::string> altered;
    for (const auto& [table, name] : kV17Tables) {
        (void)table;
        SQLite::Statement get(db, "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?");
        get.bind(1, name);
        if (!get.executeStep()) throw Error(CRM_ECORRUPT, std::string("migration 17: no table ") + name);
        if (const auto def = v17_definition(db, name, get.getColumn(0).getString())) edits.emplace_back(name, *def);
        else altered.push_back(name);
    }
    if (!edits.empty()) {
        const int version = db.execAndGet("PRAGMA schema_version").getInt();
        db.exec("PRAGMA writable_schema = ON");
        SQLite::Statement put(db, "UPDATE sqlite_schema SET sql = ? WHERE type = 'table' AND name = ?");
        for (const auto& [name, def] : edits) {
            put.bind(1, def);
            put.bind(2, name);
            put.exec();
            put.reset();
        }
        db.exec("PRAGMA schema_version = " + std::to_string(version + 1));
        db.exec("PRAGMA writable_schema = OFF");
    }
    for (const auto& n : altered)
        for (const char* col : {"sync_hlc INTEGER", "sync_seq INTEGER", "sync_vers BLOB"})
            db.exec("ALTER TABLE " + n + " ADD COLUMN " + col);
}

void v17_versions_in_rows(SQLite::Database& db) {
    db.exec("CREATE TABLE sync_older_seqs(seq INTEGER NOT NULL, tbl INTEGER NOT NULL, id BLOB NOT NULL, "
            "PRIMARY KEY(seq, tbl, id)) STRICT, WITHOUT ROWID");
    db.exec("CREATE INDEX sync_older_seqs_record ON sync_older_seqs(tbl, id)");
    v17_add_version_columns(db);
    for (const auto& [table, name] : kV17Tables) {
        const std::string n = name, k = std::to_string(table);
        db.exec("UPDATE " + n + " SET (sync_hlc, sync_seq, sync_vers) = (SELECT hlc, seq, vers FROM sync_versions v "
                "WHERE v.tbl = " + k + " AND v.id = " + n + ".id) WHERE id IN (SELECT id FROM sync_versions WHERE tbl = " + k + ")");
        db.exec("CREATE INDEX " + n + "_sync_seq ON " + n + "(sync_seq) WHERE sync_seq IS NOT NULL");
        // The other seqs of records that have a row (versions left without one
        // by an older version's bug are dropped with sync_versions).
        db.exec("INSERT INTO sync_older_seqs SELECT l.seq, l.tbl, l.id FROM sync_log l JOIN " + n +
                " r ON r.id = l.id WHERE l.tbl = " + k + " AND r.sync_seq IS NOT NULL AND l.seq < r.sync_seq");
    }
    db.exec("DROP TABLE sync_log");
    db.exec("DROP TABLE sync_versions");
    db.exec("CREATE VIEW sync_versions(tbl, id, hlc, seq, vers) AS " +
            v17_union("$tbl, id, sync_hlc, sync_seq, sync_vers", "sync_vers IS NOT NULL"));
    db.exec("CREATE VIEW sync_log(seq, tbl, id) AS " + v17_union("sync_seq, $tbl, id", "sync_seq IS NOT NULL") +
            " UNION ALL SELECT seq, tbl, id FROM sync_older_seqs");
}

// v18: a filtered peer's rows remember the page that last sent the record
// whole (entered; prev_entered: the one before, for when that page is lost and
// undone). The row keeps only the latest transition, so a later eviction page
// hid the whole copy a late device page predates (sync/share.hpp,
// PeerShare::entered_after). Existing rows: their latest transition, if whole.
constexpr const char* kV18 = R"sql(
ALTER TABLE sync_shares ADD COLUMN entered INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sync_shares ADD COLUMN prev_entered INTEGER NOT NULL DEFAULT 0;
UPDATE sync_shares SET entered = seq WHERE held = 1 AND prev_held = 0;
)sql";

// v19: losers of merges that arrived before their survivor (a survivor
// written again after the merge, merged away or deleted, is sent in a later
// page): they stay until it arrives, then go as the merge says, with the
// newest merge tombstone seen for them meanwhile (hlc, site: a local
// sync_sites index) (merge/liveness.hpp, settle_waiting). Local bookkeeping,
// not synced.
constexpr const char* kV19 = R"sql(
CREATE TABLE sync_waiting_merges(loser BLOB PRIMARY KEY, hlc INTEGER NOT NULL, site INTEGER NOT NULL) STRICT, WITHOUT ROWID;
)sql";

const std::vector<Migration>& migrations() {
    static const std::vector<Migration> all = {{1, kV1}, {2, kV2}, {3, "", &v3_per_field_seq}, {4, kV4, &v4_assignment_ids},
                                               {5, kV5, &v5_sync_log}, {6, kV6}, {7, kV7}, {8, kV8}, {9, kV9}, {10, kV10},
                                               {11, kV11}, {12, kV12}, {13, kV13}, {14, kV14}, {15, kV15}, {16, kV16},
                                               {17, "", &v17_versions_in_rows}, {18, kV18}, {19, kV19}};
    return all;
}

}  // namespace crmlite

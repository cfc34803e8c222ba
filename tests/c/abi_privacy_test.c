/*
 * abi_privacy_test.c — crmlite_privacy.h from plain C11: principals and roles,
 * scope and masking as a sales principal sees them, the audit log and its
 * verification, data subject export and erasure, the marketing export; with
 * the error paths (NULL arguments, EPERM, EINVAL, ENOTFOUND, EMISUSE).
 *
 * Usage: crmlite_abi_privacy_test [scratch-dir] (default /tmp).
 */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crmlite/crmlite.h"

static long g_checks;

static void fail_check(const char* file, int line, const char* what) {
    fprintf(stderr, "%s:%d: check failed: %s\n  crm_errmsg(): \"%s\"\n", file, line, what, crm_errmsg());
    exit(EXIT_FAILURE);
}

#define CHECK(cond)                                               \
    do {                                                          \
        ++g_checks;                                               \
        if (!(cond)) fail_check(__FILE__, __LINE__, #cond);       \
    } while (0)
#define CHECK_STATUS(call, expected)                                                   \
    do {                                                                               \
        const crm_status st_ = (call);                                                 \
        ++g_checks;                                                                    \
        if (st_ != (expected)) {                                                       \
            fprintf(stderr, "%s:%d: %s -> %s, expected %s\n", __FILE__, __LINE__,       \
                    #call, crm_status_name(st_), crm_status_name(expected));           \
            fail_check(__FILE__, __LINE__, #call);                                     \
        }                                                                              \
        if (st_ != CRM_OK && st_ != CRM_ROW && st_ != CRM_DONE && crm_errmsg()[0] == '\0') fail_check(__FILE__, __LINE__, "empty message"); \
    } while (0)
#define CONTAINS(hay, needle) (strstr((hay), (needle)) != NULL)

static char g_path[4200];

static crm_db* open_as(const char* user, crm_status expected) {
    crm_options* o = NULL;
    crm_db* db = NULL;
    CHECK_STATUS(crm_options_new(&o), CRM_OK);
    if (user != NULL) CHECK_STATUS(crm_options_set_principal(o, user), CRM_OK);
    CHECK_STATUS(crm_open(&db, g_path, o), expected);
    crm_options_free(o);
    return db;
}

static char* create(crm_db* db, const char* json) {
    char* id = NULL;
    CHECK_STATUS(crm_customer_create(&id, db, json), CRM_OK);
    return id;
}

static crm_db* open_path(const char* path) {
    crm_db* db = NULL;
    CHECK_STATUS(crm_open(&db, path, NULL), CRM_OK);
    return db;
}

/* The site id of a database, from crm_db_info. */
static void site_of(char out[37], crm_db* db) {
    char* info = NULL;
    const char* site;
    out[0] = 0;
    CHECK_STATUS(crm_db_info(&info, db), CRM_OK);
    site = info ? strstr(info, "\"site_id\":\"") : NULL;
    CHECK(site != NULL);
    if (site) {
        memcpy(out, site + 11, 36);
        out[36] = 0;
    }
    crm_free(info);
}

/* Whether the raw bytes of a file hold `needle` (a missing file holds nothing). */
static int file_holds(const char* path, const char* needle) {
    FILE* f = fopen(path, "rb");
    if (f == NULL) return 0;
    size_t cap = 1 << 16, len = 0, got;
    char* buf = malloc(cap);
    CHECK(buf != NULL);
    while ((got = fread(buf + len, 1, cap - len, f)) > 0) {
        len += got;
        if (len == cap) {
            char* bigger = realloc(buf, cap * 2);
            CHECK(bigger != NULL);
            buf = bigger;
            cap *= 2;
        }
    }
    fclose(f);
    const size_t n = strlen(needle);
    int found = 0;
    for (size_t i = 0; n <= len && i + n <= len && !found; ++i) found = memcmp(buf + i, needle, n) == 0;
    free(buf);
    return found;
}

/* Sends everything of `from` after `since` to `to` (one page); returns the
 * apply report (caller frees). */
static char* sync_one(crm_db* from, crm_db* to, const crm_sync_options* pull, const crm_sync_options* apply) {
    unsigned char* blob = NULL;
    size_t len = 0;
    int64_t cursor = 0;
    int more = 0;
    char* report = NULL;
    CHECK_STATUS(crm_sync_changes_for(&blob, &len, &cursor, &more, from, 0, 100000, pull), CRM_OK);
    CHECK(more == 0);
    CHECK_STATUS(crm_sync_apply(&report, to, blob, len, apply), CRM_OK);
    crm_free(blob);
    return report;
}

/* Privacy under sync (docs/privacy.md): a sales device gets masked values and
 * its edits never overwrite the clear ones at the hub; the device's audit
 * chain travels to the hub, which verifies it; an erasure scrubs the file of
 * a replica that receives it. */
static void test_privacy_under_sync(const char* dir, const char* mine) {
    char device_path[4100], replica_path[4100], wal[4200], hub_site[37], device_site[37], json[512];
    snprintf(device_path, sizeof device_path, "%s/device.db", dir);
    snprintf(replica_path, sizeof replica_path, "%s/replica.db", dir);
    crm_db* device = open_path(device_path);
    crm_db* hub = open_path(g_path);
    site_of(hub_site, hub);
    site_of(device_site, device);
    CHECK_STATUS(crm_user_put(device, "{\"name\":\"alice\",\"role\":\"sales\"}"), CRM_OK); /* an audited act on the device */

    crm_sync_options* opts = NULL;
    CHECK_STATUS(crm_sync_options_new(&opts), CRM_OK);
    CHECK_STATUS(crm_sync_options_set_audit(NULL, 1), CRM_EINVAL);
    CHECK_STATUS(crm_sync_options_set_audit(opts, 2), CRM_EINVAL);
    CHECK(CONTAINS(crm_errmsg(), "include"));

    /* The hub serves alice's device as alice (sales: no unmask): masked values. */
    crm_db* alice = open_as("alice", CRM_OK);
    CHECK_STATUS(crm_sync_options_set_peer(opts, device_site), CRM_OK);
    CHECK_STATUS(crm_sync_options_set_audit(opts, 1), CRM_OK);
    unsigned char* blob = NULL;
    size_t len = 0;
    int64_t cursor = 0;
    int more = 0;
    CHECK_STATUS(crm_sync_changes_for(&blob, &len, &cursor, &more, alice, 0, 1000, opts), CRM_EPERM); /* audit: not hers */
    CHECK(CONTAINS(crm_errmsg(), "audit"));
    CHECK_STATUS(crm_sync_options_set_audit(opts, 0), CRM_OK);
    char* report = sync_one(alice, device, opts, NULL);
    crm_free(report);
    char* s = NULL;
    CHECK_STATUS(crm_customer_get(&s, device, mine), CRM_OK);
    CHECK(CONTAINS(s, "138****5678") && !CONTAINS(s, "13812345678"));
    crm_free(s);
    crm_sync_options_free(opts);

    /* The device's own edit travels back (as the system of its file, with its
     * audit chain); the clear phone at the hub is untouched. */
    snprintf(json, sizeof json, "{\"city\":\"宁波\"}");
    CHECK_STATUS(crm_customer_update(device, mine, json), CRM_OK);
    CHECK_STATUS(crm_sync_options_new(&opts), CRM_OK);
    CHECK_STATUS(crm_sync_options_set_peer(opts, hub_site), CRM_OK);
    report = sync_one(device, alice, opts, NULL);
    CHECK(CONTAINS(report, "\"audit\"") && CONTAINS(report, "\"appended\":1"));
    crm_free(report);
    CHECK_STATUS(crm_customer_get(&s, hub, mine), CRM_OK);
    CHECK(CONTAINS(s, "13812345678") && CONTAINS(s, "宁波"));
    crm_free(s);
    CHECK_STATUS(crm_sync_options_set_audit(opts, 0), CRM_OK); /* without the chain */
    report = sync_one(device, hub, opts, NULL);
    CHECK(!CONTAINS(report, "\"audit\""));
    crm_free(report);
    crm_sync_options_free(opts);
    crm_close(alice);
    crm_close(device);
    snprintf(wal, sizeof wal, "%s-wal", device_path);
    CHECK(!file_holds(device_path, "13812345678") && !file_holds(wal, "13812345678"));

    /* The hub's verify covers the device's chain. */
    CHECK_STATUS(crm_audit_verify(&s, hub), CRM_OK);
    CHECK(CONTAINS(s, "\"ok\":true") && CONTAINS(s, "\"sites\":2"));
    crm_free(s);

    /* A full replica holds the person; the erasure reaches it by sync. */
    crm_db* replica = open_path(replica_path);
    report = sync_one(hub, replica, NULL, NULL);
    crm_free(report);
    CHECK(file_holds(replica_path, "13812345678") || (snprintf(wal, sizeof wal, "%s-wal", replica_path), file_holds(wal, "13812345678")));
    crm_close(hub);
    crm_db* root = open_as("root", CRM_OK);
    CHECK_STATUS(crm_subject_erase(&s, root, mine), CRM_OK);
    crm_free(s);
    report = sync_one(root, replica, NULL, NULL);
    CHECK(CONTAINS(report, "\"erased\":1") && CONTAINS(report, "\"scrub\""));
    crm_free(report);
    CHECK_STATUS(crm_customer_get(&s, replica, mine), CRM_ENOTFOUND);
    crm_close(replica);
    crm_close(root);
    snprintf(wal, sizeof wal, "%s-wal", replica_path);
    CHECK(!file_holds(replica_path, "13812345678") && !file_holds(wal, "13812345678"));
    CHECK(!file_holds(replica_path, "王小明") && !file_holds(wal, "王小明"));
}

int main(int argc, char** argv) {
    char dir[4000];
    snprintf(dir, sizeof dir, "%s/crm-privacy-XXXXXX", argc > 1 ? argv[1] : "/tmp");
    CHECK(mkdtemp(dir) != NULL);
    snprintf(g_path, sizeof g_path, "%s/crm.db", dir);

    /* The system sets up users and data. */
    crm_db* sys = open_as(NULL, CRM_OK);
    CHECK_STATUS(crm_user_put(sys, "{\"name\":\"alice\",\"role\":\"sales\",\"team\":\"east\"}"), CRM_OK);
    CHECK_STATUS(crm_user_put(sys, "{\"name\":\"bob\",\"role\":\"sales\"}"), CRM_OK);
    CHECK_STATUS(crm_user_put(sys, "{\"name\":\"root\",\"role\":\"admin\"}"), CRM_OK);
    CHECK_STATUS(crm_user_put(sys, "{\"name\":\"x\",\"role\":\"nope\"}"), CRM_EINVAL);
    CHECK(CONTAINS(crm_errmsg(), "user.role"));
    CHECK_STATUS(crm_user_put(sys, "{\"role\":\"sales\"}"), CRM_EINVAL);
    CHECK_STATUS(crm_user_put(NULL, "{}"), CRM_EINVAL);
    CHECK_STATUS(crm_user_put(sys, NULL), CRM_EINVAL);
    CHECK_STATUS(crm_role_put(sys, "{\"name\":\"field\",\"permissions\":[\"read\",\"update\"],\"scope\":\"own\"}"), CRM_OK);
    CHECK_STATUS(crm_role_put(sys, "{\"name\":\"admin\",\"permissions\":[],\"scope\":\"all\"}"), CRM_EINVAL);
    CHECK_STATUS(crm_role_put(sys, "{\"name\":\"y\",\"permissions\":[\"fly\"]}"), CRM_EINVAL);
    CHECK(CONTAINS(crm_errmsg(), "role.permissions[0]"));
    CHECK_STATUS(crm_role_put(NULL, "{}"), CRM_EINVAL);
    char* s = NULL;
    CHECK_STATUS(crm_role_list(&s, sys), CRM_OK);
    CHECK(CONTAINS(s, "\"field\"") && CONTAINS(s, "\"read-only\""));
    crm_free(s);
    CHECK_STATUS(crm_role_list(NULL, sys), CRM_EINVAL);
    CHECK_STATUS(crm_user_list(&s, sys), CRM_OK);
    CHECK(CONTAINS(s, "\"alice\"") && CONTAINS(s, "\"root\""));
    crm_free(s);
    CHECK_STATUS(crm_user_list(&s, NULL), CRM_EINVAL);
    CHECK(s == NULL);
    CHECK_STATUS(crm_whoami(&s, sys), CRM_OK);
    CHECK(CONTAINS(s, "\"principal\":null"));
    crm_free(s);
    CHECK_STATUS(crm_whoami(NULL, sys), CRM_EINVAL);

    char* mine = create(sys, "{\"display_name\":\"王小明\",\"owner\":\"alice\",\"phones\":[\"13812345678\"],\"consent_marketing\":true}");
    char* theirs = create(sys, "{\"display_name\":\"李四海\",\"owner\":\"bob\",\"phones\":[\"13987654321\"]}");
    char* iid = NULL;
    char json[512];
    snprintf(json, sizeof json, "{\"customer_id\":\"%s\",\"kind\":\"call\",\"subject\":\"renewal\"}", mine);
    CHECK_STATUS(crm_interaction_add(&iid, sys, json), CRM_OK);
    crm_free(iid);
    crm_close(sys);

    /* Options errors. */
    crm_options* o = NULL;
    CHECK_STATUS(crm_options_new(&o), CRM_OK);
    CHECK_STATUS(crm_options_set_principal(o, NULL), CRM_EINVAL);
    CHECK_STATUS(crm_options_set_principal(NULL, "alice"), CRM_EINVAL);
    crm_options_free(o);
    CHECK(open_as("mallory", CRM_EPERM) == NULL);

    /* A sales principal: its own customer, masked; the other rep's, refused. */
    crm_db* alice = open_as("alice", CRM_OK);
    CHECK_STATUS(crm_whoami(&s, alice), CRM_OK);
    CHECK(CONTAINS(s, "\"principal\":\"alice\"") && CONTAINS(s, "\"scope\":\"own\""));
    crm_free(s);
    CHECK_STATUS(crm_customer_get(&s, alice, mine), CRM_OK);
    CHECK(CONTAINS(s, "138****5678") && !CONTAINS(s, "13812345678"));
    crm_free(s);
    CHECK_STATUS(crm_customer_get(&s, alice, theirs), CRM_EPERM);
    CHECK(s == NULL);
    int64_t n = -1;
    CHECK_STATUS(crm_customer_count(&n, alice, NULL), CRM_OK);
    CHECK(n == 1);
    crm_cursor* c = NULL;
    const char* row = NULL;
    CHECK_STATUS(crm_search(&c, alice, "{\"q\":\"李四\"}"), CRM_OK);
    CHECK_STATUS(crm_cursor_next(&row, c), CRM_DONE);
    crm_cursor_free(c);
    CHECK_STATUS(crm_customer_update(alice, theirs, "{\"city\":\"x\"}"), CRM_EPERM);
    CHECK_STATUS(crm_user_put(alice, "{\"name\":\"eve\",\"role\":\"admin\"}"), CRM_EPERM);
    CHECK_STATUS(crm_audit_query(&c, alice, NULL), CRM_EPERM);
    CHECK(c == NULL);
    CHECK_STATUS(crm_audit_verify(&s, alice), CRM_EPERM);
    CHECK_STATUS(crm_subject_export(&s, alice, mine), CRM_EPERM);
    CHECK_STATUS(crm_subject_erase(&s, alice, mine), CRM_EPERM);
    char mkt[4100];
    snprintf(mkt, sizeof mkt, "%s/mkt.jsonl", dir);
    CHECK_STATUS(crm_export_marketing(&s, alice, mkt), CRM_EPERM);
    CHECK_STATUS(crm_audit_flush(alice), CRM_OK);
    CHECK_STATUS(crm_audit_flush(NULL), CRM_EINVAL);
    crm_close(alice);

    /* The admin: the audit log holds alice's read and denials; its chain verifies. */
    crm_db* root = open_as("root", CRM_OK);
    CHECK_STATUS(crm_audit_query(&c, root, "{\"principal\":\"alice\",\"outcome\":\"denied\",\"limit\":100}"), CRM_OK);
    int denied = 0;
    while (crm_cursor_next(&row, c) == CRM_ROW) denied += CONTAINS(row, theirs) ? 1 : 0;
    crm_cursor_free(c);
    CHECK(denied >= 2); /* the get and the update of bob's customer */
    CHECK_STATUS(crm_audit_query(&c, root, "{\"bogus\":1}"), CRM_EINVAL);
    CHECK_STATUS(crm_audit_query(NULL, root, NULL), CRM_EINVAL);
    CHECK_STATUS(crm_audit_verify(&s, root), CRM_OK);
    CHECK(CONTAINS(s, "\"ok\":true"));
    crm_free(s);
    CHECK_STATUS(crm_audit_verify(NULL, root), CRM_EINVAL);

    CHECK_STATUS(crm_export_marketing(&s, root, mkt), CRM_OK);
    CHECK(CONTAINS(s, "\"rows\":1"));
    crm_free(s);
    CHECK_STATUS(crm_export_marketing(&s, root, NULL), CRM_EINVAL);

    CHECK_STATUS(crm_subject_export(&s, root, mine), CRM_OK);
    CHECK(CONTAINS(s, "13812345678") && CONTAINS(s, "renewal"));
    crm_free(s);
    CHECK_STATUS(crm_subject_export(&s, root, "not-an-id"), CRM_EINVAL);
    CHECK(CONTAINS(crm_errmsg(), "customer_id"));
    CHECK_STATUS(crm_subject_export(&s, root, NULL), CRM_EINVAL);

    CHECK_STATUS(crm_begin(root), CRM_OK);
    CHECK_STATUS(crm_subject_erase(&s, root, mine), CRM_EMISUSE);
    CHECK_STATUS(crm_rollback(root), CRM_OK);
    CHECK_STATUS(crm_subject_erase(&s, root, theirs), CRM_OK);
    CHECK(CONTAINS(s, "fts_rewrite_ms"));
    crm_free(s);
    CHECK_STATUS(crm_subject_erase(&s, root, theirs), CRM_ENOTFOUND);
    crm_close(root);
    test_privacy_under_sync(dir, mine); /* erases `mine` at the hub */
    root = open_as("root", CRM_OK);
    CHECK_STATUS(crm_subject_erase(NULL, root, mine), CRM_EINVAL);
    CHECK_STATUS(crm_customer_get(&s, root, mine), CRM_ENOTFOUND);
    crm_close(root);

    crm_free(mine);
    crm_free(theirs);
    CHECK(crm_live_handles() == 0);
    char cmd[4100];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
    printf("abi_privacy_test: %ld checks passed\n", g_checks);
    return 0;
}

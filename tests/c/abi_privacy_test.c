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
    CHECK_STATUS(crm_subject_erase(&s, root, mine), CRM_OK);
    CHECK(CONTAINS(s, "fts_rewrite_ms"));
    crm_free(s);
    CHECK_STATUS(crm_subject_erase(&s, root, mine), CRM_ENOTFOUND);
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

/*
 * abi_quality_test.c — every function of crmlite_quality.h through the C ABI,
 * with its error paths, in plain C11: normalisation, duplicate detection,
 * merge, rules, validation and the report.
 */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crmlite/crmlite.h"

static long g_checks;

static void fail_check(const char* file, int line, const char* what) {
    char msg[1024];
    snprintf(msg, sizeof msg, "%s", crm_errmsg());
    fprintf(stderr, "%s:%d: check failed: %s\n  crm_errmsg(): \"%s\"\n", file, line, what, msg);
    exit(EXIT_FAILURE);
}

#define CHECK(cond)                                               \
    do {                                                          \
        ++g_checks;                                               \
        if (!(cond)) fail_check(__FILE__, __LINE__, #cond);       \
    } while (0)
#define CHECK_STATUS(expected, call) CHECK((call) == (expected))
#define CHECK_OK(call) CHECK_STATUS(CRM_OK, call)
/* The last error's message names `field`. */
#define CHECK_NAMES(field) CHECK(strstr(crm_errmsg(), field) != NULL)

/* Copies the id string out of a customer-create result. */
static void create(char* out_id, size_t n, crm_db* db, const char* json) {
    char* id = NULL;
    CHECK_OK(crm_customer_create(&id, db, json));
    snprintf(out_id, n, "%s", id);
    crm_free(id);
}

int main(int argc, char** argv) {
    const char* base = argc > 1 ? argv[1] : "/tmp";
    char dir[512], path[600];
    snprintf(dir, sizeof dir, "%s/crm_abi_quality_XXXXXX", base);
    if (mkdtemp(dir) == NULL) {
        perror(dir);
        return EXIT_FAILURE;
    }
    snprintf(path, sizeof path, "%s/q.db", dir);
    crm_db* db = NULL;
    CHECK_OK(crm_open(&db, path, NULL));
    char* out = NULL;

    /* normalisation */
    CHECK_OK(crm_quality_normalize(&out, db, "phone", "\xef\xbc\x91\xef\xbc\x93\xef\xbc\x98 1234 5678")); /* full-width 138 */
    CHECK(strstr(out, "\"e164\":\"+8613812345678\"") != NULL);
    CHECK(strstr(out, "\"type\":\"mobile\"") != NULL);
    crm_free(out);
    CHECK_OK(crm_quality_normalize(&out, db, "name", "\xe5\x8d\x95\xe4\xbc\x9f")); /* 单伟 */
    CHECK(strstr(out, "\"pinyin\":\"shan wei\"") != NULL);
    crm_free(out);
    CHECK_OK(crm_quality_normalize(&out, db, "email", " A@Example.COM"));
    CHECK(strstr(out, "\"normalized\":\"A@example.com\"") != NULL);
    crm_free(out);
    out = (char*)1;
    CHECK_STATUS(CRM_EINVAL, crm_quality_normalize(&out, db, "shoe", "x"));
    CHECK(out == NULL);
    CHECK_NAMES("kind");
    CHECK_STATUS(CRM_EINVAL, crm_quality_normalize(&out, NULL, "phone", "x"));
    CHECK_STATUS(CRM_EINVAL, crm_quality_normalize(NULL, db, "phone", "x"));
    CHECK_STATUS(CRM_EINVAL, crm_quality_normalize(&out, db, NULL, "x"));
    CHECK_STATUS(CRM_EINVAL, crm_quality_set_phone_region(db, "QQ"));
    CHECK_NAMES("region");
    CHECK_STATUS(CRM_EINVAL, crm_quality_set_phone_region(db, NULL));
    CHECK_OK(crm_quality_set_phone_region(db, "CN"));

    /* duplicates */
    char a[64], b[64], c[64];
    create(a, sizeof a, db, "{\"display_name\":\"\xe7\x8e\x8b\xe5\xb0\x8f\xe6\x98\x8e\",\"city\":\"\xe4\xb8\x8a\xe6\xb5\xb7\",\"phones\":[\"13812345678\"]}");
    create(b, sizeof b, db, "{\"display_name\":\"Wang Xiaoming\",\"city\":\"Shanghai\",\"phones\":[\"+86 138 1234 5678\"],\"title\":\"CTO\"}");
    create(c, sizeof c, db, "{\"display_name\":\"Other Person\",\"phones\":[\"13900000000\"]}");
    CHECK_OK(crm_quality_find_duplicates(&out, db, NULL));
    CHECK(strstr(out, a) != NULL && strstr(out, b) != NULL && strstr(out, c) == NULL);
    crm_free(out);
    CHECK_OK(crm_quality_find_duplicates(&out, db, "{\"auto_threshold\":0.99,\"review_threshold\":0.5}"));
    crm_free(out);
    CHECK_STATUS(CRM_EINVAL, crm_quality_find_duplicates(&out, db, "{\"auto_threshold\":7}"));
    CHECK_NAMES("options.auto_threshold");
    CHECK_STATUS(CRM_EINVAL, crm_quality_find_duplicates(&out, db, "{not json"));
    CHECK_OK(crm_quality_check_customer(&out, db, a, NULL));
    CHECK(strstr(out, b) != NULL);
    crm_free(out);
    CHECK_STATUS(CRM_ENOTFOUND, crm_quality_check_customer(&out, db, "01890000-0000-7000-8000-000000000000", NULL));
    CHECK_STATUS(CRM_EINVAL, crm_quality_check_customer(&out, db, "nope", NULL));
    CHECK_NAMES("id");
    CHECK_OK(crm_quality_check_record(&out, db, "{\"display_name\":\"Xiaoming Wang\",\"phones\":[\"13812345678\"]}", NULL));
    CHECK(strstr(out, a) != NULL);
    crm_free(out);
    CHECK_STATUS(CRM_EINVAL, crm_quality_check_record(&out, db, "[]", NULL));
    CHECK_STATUS(CRM_EINVAL, crm_quality_check_record(&out, db, NULL, NULL));

    /* merge */
    char losers[128];
    snprintf(losers, sizeof losers, "[\"%s\"]", b);
    CHECK_STATUS(CRM_EINVAL, crm_quality_merge(&out, db, a, "[\"x\"]", NULL));
    CHECK_NAMES("losers[0]");
    CHECK_STATUS(CRM_EINVAL, crm_quality_merge(&out, db, a, losers, "{\"rule\":\"coin\"}"));
    CHECK_NAMES("options.rule");
    CHECK_STATUS(CRM_EINVAL, crm_quality_merge(&out, db, a, "{}", NULL));
    CHECK_STATUS(CRM_EINVAL, crm_quality_merge(&out, db, NULL, losers, NULL));
    CHECK_OK(crm_quality_merge(&out, db, a, losers, "{\"rule\":\"survivor\"}"));
    CHECK(strstr(out, "\"survivor\":\"") != NULL);
    char merge_id[64] = {0};
    {
        /* Keys come sorted: the record's own "id" follows its top-level
         * "created_at", the last one (the records in "before" come first). */
        const char* p = NULL;
        for (const char* q = out; (q = strstr(q, "\"created_at\":\"")) != NULL; ++q) p = q;
        CHECK(p != NULL);
        p = strstr(p, "\"id\":\"");
        CHECK(p != NULL);
        memcpy(merge_id, p + 6, 36);
    }
    crm_free(out);
    CHECK_OK(crm_customer_get(&out, db, b)); /* the loser reads as the survivor */
    CHECK(strstr(out, "\"redirected_from\"") != NULL && strstr(out, "\"title\":\"CTO\"") != NULL);
    crm_free(out);
    CHECK_OK(crm_quality_merge_get(&out, db, merge_id));
    CHECK(strstr(out, b) != NULL);
    crm_free(out);
    CHECK_STATUS(CRM_ENOTFOUND, crm_quality_merge_get(&out, db, "01890000-0000-7000-8000-000000000000"));
    CHECK_STATUS(CRM_EINVAL, crm_quality_merge_get(&out, db, NULL));
    CHECK_OK(crm_quality_merges_of(&out, db, a));
    CHECK(strstr(out, merge_id) != NULL);
    crm_free(out);
    CHECK_STATUS(CRM_EINVAL, crm_quality_merges_of(&out, db, "zz"));

    /* undo: the loser comes back under its own id; a second undo is refused */
    CHECK_OK(crm_quality_merge_undo(&out, db, merge_id));
    CHECK(strstr(out, "\"status\":\"undone\"") != NULL && strstr(out, "\"kept\":[]") != NULL);
    crm_free(out);
    CHECK_OK(crm_customer_get(&out, db, b));
    CHECK(strstr(out, "\"redirected_from\"") == NULL && strstr(out, b) != NULL);
    crm_free(out);
    CHECK_STATUS(CRM_ECONFLICT, crm_quality_merge_undo(&out, db, merge_id));
    CHECK(out == NULL);
    CHECK(strstr(crm_errmsg(), "already undone") != NULL);
    CHECK_STATUS(CRM_ENOTFOUND, crm_quality_merge_undo(&out, db, "01890000-0000-7000-8000-000000000000"));
    CHECK_STATUS(CRM_EINVAL, crm_quality_merge_undo(&out, db, "zz"));
    CHECK_NAMES("merge_id");
    CHECK_STATUS(CRM_EINVAL, crm_quality_merge_undo(&out, db, NULL));
    CHECK_STATUS(CRM_EINVAL, crm_quality_merge_undo(NULL, db, merge_id));
    CHECK_OK(crm_quality_merge(&out, db, a, losers, "{\"rule\":\"survivor\"}")); /* merged again for what follows */
    crm_free(out);

    /* rules, validation, report */
    CHECK_OK(crm_quality_rules_get(&out, db));
    CHECK(strstr(out, "\"rules\"") != NULL);
    crm_free(out);
    CHECK_STATUS(CRM_EINVAL, crm_quality_rules_get(NULL, db));
    CHECK_STATUS(CRM_EINVAL, crm_quality_rules_set(db, "{\"rules\":[{\"field\":\"city\",\"pattern\":\"(\"}]}"));
    CHECK_NAMES("rules[0].pattern");
    CHECK_OK(crm_quality_rules_set(db, "{\"rules\":[{\"field\":\"city\",\"required\":true,\"weight\":1}]}"));
    CHECK_OK(crm_quality_validate(&out, db, c));
    CHECK(strstr(out, "\"missing\":[\"city\"]") != NULL);
    crm_free(out);
    CHECK_STATUS(CRM_ENOTFOUND, crm_quality_validate(&out, db, "01890000-0000-7000-8000-000000000000"));
    CHECK_OK(crm_quality_rules_set(db, NULL));
    CHECK_OK(crm_quality_report(&out, db, NULL));
    CHECK(strstr(out, "\"kpis\"") != NULL && strstr(out, "\"duplicate_rate\"") != NULL);
    crm_free(out);
    CHECK_OK(crm_quality_report(&out, db, "{\"stale_days\":10,\"duplicates\":false}"));
    crm_free(out);
    CHECK_STATUS(CRM_EINVAL, crm_quality_report(&out, db, "{\"stale_days\":-1}"));
    CHECK_NAMES("options.stale_days");

    crm_close(db);
    CHECK(crm_live_handles() == 0);
    unlink(path);
    char side[640];
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
    rmdir(dir);
    printf("c_abi_quality: %ld checks passed\n", g_checks);
    return EXIT_SUCCESS;
}

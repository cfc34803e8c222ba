/*
 * abi_sales_test.c — crmlite_sales.h from plain C11: pipelines, opportunities,
 * leads and assignment rules, campaigns and the sales reports, each function
 * with its error paths (NULL arguments, bad JSON, unknown ids, named fields),
 * and the ownership rule: every returned string is freed with crm_free().
 *
 * Usage: crmlite_abi_sales_test [scratch-dir]   (default /tmp).
 */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crmlite/crmlite.h"

static long g_checks;

static void fail_check(const char* file, int line, const char* what, const char* detail) {
    char msg[1024];
    snprintf(msg, sizeof msg, "%s", crm_errmsg());
    fprintf(stderr, "%s:%d: check failed: %s\n", file, line, what);
    if (detail != NULL) fprintf(stderr, "  %s\n", detail);
    fprintf(stderr, "  crm_errmsg(): \"%s\"\n", msg);
    exit(EXIT_FAILURE);
}

#define CHECK(cond)                                               \
    do {                                                          \
        ++g_checks;                                               \
        if (!(cond)) fail_check(__FILE__, __LINE__, #cond, NULL); \
    } while (0)

static void check_status(const char* file, int line, const char* call, crm_status expected, crm_status got) {
    char detail[256];
    const char* msg = crm_errmsg();
    ++g_checks;
    if (got != expected) {
        snprintf(detail, sizeof detail, "expected %s, got %s", crm_status_name(expected), crm_status_name(got));
        fail_check(file, line, call, detail);
    }
    if (got != CRM_OK && msg[0] == '\0') fail_check(file, line, call, "failure without a message");
    if (got == CRM_OK && msg[0] != '\0') fail_check(file, line, call, "crm_errmsg() not \"\" after a success");
}

#define CHECK_STATUS(expected, call) check_status(__FILE__, __LINE__, #call, (expected), (call))
#define CHECK_OK(call) CHECK_STATUS(CRM_OK, call)
/* The call fails with `expected` and the message names `field`. */
#define CHECK_FAILS(expected, field, call)                                                    \
    do {                                                                                      \
        CHECK_STATUS(expected, call);                                                         \
        if (strstr(crm_errmsg(), (field)) == NULL) fail_check(__FILE__, __LINE__, #call, "message does not name " field); \
    } while (0)

/* Copies the string value of "key" in a flat JSON text into out ("" if absent). */
static void json_str(const char* json, const char* key, char* out, size_t n) {
    char pat[64];
    const char* p;
    size_t i = 0;
    snprintf(pat, sizeof pat, "\"%s\":\"", key);
    out[0] = '\0';
    p = strstr(json, pat);
    if (p == NULL) return;
    p += strlen(pat);
    while (*p && *p != '"' && i + 1 < n) out[i++] = *p++;
    out[i] = '\0';
}

/* The integer value of "key" (first occurrence), or -1. */
static long long json_int(const char* json, const char* key) {
    char pat[64];
    const char* p;
    snprintf(pat, sizeof pat, "\"%s\":", key);
    p = strstr(json, pat);
    if (p == NULL) return -1;
    return strtoll(p + strlen(pat), NULL, 10);
}

int main(int argc, char** argv) {
    char dir[400], path[480], pipeline_id[64], stage_id[64], customer[64], customer2[64], lead[64], campaign[64], buf[512];
    char empty_pipeline[64], carol_lead[64];
    char* out = NULL;
    char* id = NULL;
    char* opp = NULL;
    crm_db* db = NULL;
    crm_db* as_user = NULL;
    crm_options* opts = NULL;

    snprintf(dir, sizeof dir, "%s/crm_sales_XXXXXX", argc > 1 ? argv[1] : "/tmp");
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/sales.db", dir);
    CHECK_OK(crm_open(&db, path, NULL));

    /* ---- pipelines */
    CHECK_OK(crm_pipeline_create(&out, db, "{\"name\":\"Standard\",\"stages\":[{\"name\":\"Lead\",\"probability\":10},"
                                           "{\"name\":\"Proposal\",\"probability\":50}]}"));
    json_str(out, "id", pipeline_id, sizeof pipeline_id);
    CHECK(strlen(pipeline_id) == 36);
    CHECK(strstr(out, "\"Won\"") != NULL);
    crm_free(out);
    CHECK_FAILS(CRM_EINVAL, "pipeline.stages", crm_pipeline_create(&out, db, "{\"name\":\"x\"}"));
    CHECK(out == NULL);
    CHECK_FAILS(CRM_EINVAL, "pipeline", crm_pipeline_create(&out, db, "[1]"));
    CHECK_FAILS(CRM_EINVAL, "json", crm_pipeline_create(&out, db, NULL));
    CHECK_FAILS(CRM_EINVAL, "db", crm_pipeline_create(&out, NULL, "{}"));
    CHECK_OK(crm_pipeline_list(&out, db));
    {
        /* The second stage ("Proposal") id. */
        const char* p = strstr(out, "\"Proposal\"");
        const char* q;
        CHECK(p != NULL);
        q = p;
        while (q > out && strncmp(q, "\"id\":\"", 6) != 0) --q;
        memcpy(stage_id, q + 6, 36);
        stage_id[36] = '\0';
    }
    crm_free(out);
    CHECK_FAILS(CRM_EINVAL, "out_json", crm_pipeline_list(NULL, db));
    CHECK_OK(crm_pipeline_stage_update(db, stage_id, "{\"probability\":40}"));
    CHECK_FAILS(CRM_EINVAL, "stage.probability", crm_pipeline_stage_update(db, stage_id, "{\"probability\":400}"));
    CHECK_FAILS(CRM_EINVAL, "stage_id", crm_pipeline_stage_update(db, "nope", "{}"));
    CHECK_FAILS(CRM_ENOTFOUND, "stage", crm_pipeline_stage_update(db, "00000000-0000-7000-8000-000000000000", "{}"));

    /* ---- opportunities */
    CHECK_OK(crm_customer_create(&id, db, "{\"display_name\":\"王小明\",\"consent_marketing\":true,\"emails\":[\"wang@example.cn\"]}"));
    snprintf(customer, sizeof customer, "%s", id);
    crm_free(id);
    snprintf(buf, sizeof buf, "{\"customer_id\":\"%s\",\"name\":\"Tea\",\"owner\":\"alice\",\"amount_minor\":10000,\"currency\":\"CNY\","
                              "\"expected_close\":\"2026-12-15\"}", customer);
    CHECK_OK(crm_opportunity_add(&opp, db, buf));
    CHECK(strlen(opp) == 36);
    snprintf(buf, sizeof buf, "{\"customer_id\":\"%s\",\"name\":\"x\",\"currency\":\"yen\"}", customer);
    CHECK_FAILS(CRM_EINVAL, "opportunity.currency", crm_opportunity_add(&id, db, buf));
    CHECK(id == NULL);
    snprintf(buf, sizeof buf, "{\"stage_id\":\"%s\",\"by\":\"alice\"}", stage_id);
    CHECK_OK(crm_opportunity_update(db, opp, buf));
    CHECK_FAILS(CRM_EINVAL, "opportunity.close_reason", crm_opportunity_update(db, opp, "{\"status\":\"lost\"}"));
    CHECK_FAILS(CRM_ENOTFOUND, "opportunity", crm_opportunity_update(db, "00000000-0000-7000-8000-000000000000", "{}"));
    CHECK_OK(crm_opportunity_get(&out, db, opp));
    CHECK(strstr(out, "\"stage_history\"") != NULL);
    CHECK(strstr(out, "\"Proposal\"") != NULL);
    crm_free(out);
    CHECK_FAILS(CRM_EINVAL, "id", crm_opportunity_get(&out, db, NULL));
    CHECK_OK(crm_opportunity_list(&out, db, NULL));
    CHECK(strstr(out, opp) != NULL);
    crm_free(out);
    CHECK_OK(crm_opportunity_list(&out, db, "{\"owner\":\"bob\"}"));
    CHECK(strcmp(out, "[]") == 0);
    crm_free(out);
    CHECK_FAILS(CRM_EINVAL, "filter.colour", crm_opportunity_list(&out, db, "{\"colour\":1}"));

    /* ---- leads and rules */
    CHECK_OK(crm_assignment_rule_add(&id, db, "{\"name\":\"rr\",\"kind\":\"round_robin\",\"members\":[\"alice\",\"bob\"]}"));
    crm_free(id);
    CHECK_FAILS(CRM_EINVAL, "rule.members", crm_assignment_rule_add(&id, db, "{\"name\":\"rr\",\"kind\":\"load\"}"));
    CHECK_OK(crm_assignment_rule_list(&out, db));
    CHECK(strstr(out, "\"round_robin\"") != NULL);
    crm_free(out);
    CHECK_FAILS(CRM_EINVAL, "db", crm_assignment_rule_list(&out, NULL));
    {
        /* A rule paused is skipped (it would win by priority), then deleted. */
        char tmp[64];
        CHECK_OK(crm_assignment_rule_add(&id, db, "{\"name\":\"tmp\",\"kind\":\"load\",\"members\":[\"carol\"],\"priority\":1}"));
        snprintf(tmp, sizeof tmp, "%s", id);
        crm_free(id);
        CHECK_OK(crm_assignment_rule_update(db, tmp, "{\"active\":false}"));
        CHECK_FAILS(CRM_EINVAL, "rule.members", crm_assignment_rule_update(db, tmp, "{\"members\":[]}"));
        CHECK_FAILS(CRM_EINVAL, "rule.colour", crm_assignment_rule_update(db, tmp, "{\"colour\":1}"));
        CHECK_OK(crm_assignment_rule_list(&out, db));
        CHECK(strstr(out, "\"carol\"") != NULL);
        CHECK(strstr(out, "\"active\":false") != NULL);
        crm_free(out);
        CHECK_OK(crm_assignment_rule_delete(db, tmp));
        CHECK_FAILS(CRM_ENOTFOUND, "rule", crm_assignment_rule_delete(db, tmp));
        CHECK_FAILS(CRM_ENOTFOUND, "rule", crm_assignment_rule_update(db, tmp, "{\"active\":true}"));
        CHECK_OK(crm_assignment_rule_list(&out, db));
        CHECK(strstr(out, "\"carol\"") == NULL);
        crm_free(out);
    }
    CHECK_OK(crm_lead_capture(&out, db, "{\"name\":\"陈静\",\"phone\":\"13900001111\",\"source\":\"web\"}"));
    json_str(out, "id", lead, sizeof lead);
    json_str(out, "owner", buf, sizeof buf);
    CHECK(strcmp(buf, "alice") == 0);
    crm_free(out);
    CHECK_OK(crm_lead_capture(&out, db, "{\"name\":\"Chen J.\",\"phone\":\"+86 139 0000 1111\",\"source\":\"fair\"}"));
    CHECK(strstr(out, "\"created\":false") != NULL);
    crm_free(out);
    CHECK_FAILS(CRM_EINVAL, "lead.email", crm_lead_capture(&out, db, "{\"name\":\"x\",\"email\":\"nope\"}"));
    CHECK_OK(crm_lead_update(db, lead, "{\"status\":\"qualified\"}"));
    CHECK_FAILS(CRM_EINVAL, "lead.status", crm_lead_update(db, lead, "{\"status\":\"won\"}"));
    CHECK_OK(crm_lead_assign(&out, db, lead, "bob", "manager"));
    CHECK(strstr(out, "\"bob\"") != NULL);
    crm_free(out);
    CHECK_OK(crm_lead_assign(&out, db, lead, NULL, NULL));
    crm_free(out);
    CHECK_FAILS(CRM_ENOTFOUND, "lead", crm_lead_assign(&out, db, "00000000-0000-7000-8000-000000000000", "x", NULL));
    CHECK_OK(crm_lead_get(&out, db, lead));
    CHECK(strstr(out, "\"recaptured\"") != NULL);
    CHECK(strstr(out, "\"assigned\"") != NULL);
    crm_free(out);
    CHECK_FAILS(CRM_EINVAL, "id", crm_lead_get(&out, db, "x"));
    CHECK_OK(crm_lead_list(&out, db, "{\"status\":\"qualified\"}"));
    CHECK(strstr(out, lead) != NULL);
    crm_free(out);
    CHECK_FAILS(CRM_EINVAL, "filter", crm_lead_list(&out, db, "not json"));
    CHECK_OK(crm_lead_convert(&out, db, lead, "{\"opportunity\":{\"amount_minor\":5000,\"currency\":\"CNY\"}}"));
    json_str(out, "customer_id", customer2, sizeof customer2);
    CHECK(strlen(customer2) == 36);
    CHECK(strstr(out, "\"opportunity_id\"") != NULL);
    crm_free(out);
    CHECK_FAILS(CRM_EEXISTS, "lead.status", crm_lead_convert(&out, db, lead, NULL));
    CHECK(out == NULL);

    /* ---- campaigns */
    CHECK_OK(crm_campaign_create(&id, db, "{\"name\":\"Spring\",\"channel\":\"email\",\"cost_minor\":1000,\"currency\":\"CNY\"}"));
    snprintf(campaign, sizeof campaign, "%s", id);
    crm_free(id);
    CHECK_FAILS(CRM_EINVAL, "campaign.control_pct", crm_campaign_create(&id, db, "{\"name\":\"x\",\"control_pct\":99}"));
    CHECK_OK(crm_campaign_update(db, campaign, "{\"attribution_days\":14}"));
    CHECK_FAILS(CRM_EINVAL, "campaign.attribution_days", crm_campaign_update(db, campaign, "{\"attribution_days\":0}"));
    CHECK_OK(crm_campaign_audience(&out, db, campaign, 0));
    CHECK(json_int(out, "matched") == 2);
    CHECK(json_int(out, "included") == 1);  /* the converted lead's customer gave no consent */
    CHECK(json_int(out, "no_marketing_consent") == 1);
    crm_free(out);
    CHECK_OK(crm_campaign_audience(&out, db, campaign, 1));
    crm_free(out);
    CHECK_FAILS(CRM_ENOTFOUND, "campaign", crm_campaign_audience(&out, db, "00000000-0000-7000-8000-000000000000", 0));
    CHECK_OK(crm_campaign_member_set(db, campaign, customer, "sent", 0));
    CHECK_FAILS(CRM_EINVAL, "member.status", crm_campaign_member_set(db, campaign, customer, "bounced", 0));
    CHECK_FAILS(CRM_ENOTFOUND, "frozen audience", crm_campaign_member_set(db, campaign, customer2, "sent", 0));
    CHECK_FAILS(CRM_EINVAL, "at_ms", crm_campaign_member_set(db, campaign, customer, "sent", -5));
    CHECK_FAILS(CRM_EINVAL, "status", crm_campaign_member_set(db, campaign, customer, NULL, 0));
    CHECK_OK(crm_campaign_get(&out, db, campaign));
    CHECK(json_int(out, "sent") == 1);
    crm_free(out);
    CHECK_FAILS(CRM_EINVAL, "out_json", crm_campaign_get(NULL, db, campaign));

    /* ---- reports */
    CHECK_OK(crm_sales_report(&out, db, "pipeline", NULL));
    CHECK(strstr(out, "\"weighted_minor\":4000") != NULL);  /* 10000 at 40 % */
    crm_free(out);
    CHECK_OK(crm_sales_report(&out, db, "forecast", "{\"period\":\"quarter\",\"group_by\":\"owner\"}"));
    CHECK(strstr(out, "\"2026-Q4\"") != NULL);
    crm_free(out);
    CHECK_OK(crm_sales_report(&out, db, "funnel", "{\"by\":\"source\"}"));
    CHECK(strstr(out, "\"web\"") != NULL);
    crm_free(out);
    CHECK_OK(crm_sales_report(&out, db, "stages", NULL));
    crm_free(out);
    CHECK_OK(crm_sales_report(&out, db, "campaigns", NULL));
    CHECK(json_int(out, "contacted") == 1);
    crm_free(out);
    CHECK_FAILS(CRM_EINVAL, "kind", crm_sales_report(&out, db, "weather", NULL));
    CHECK_FAILS(CRM_EINVAL, "forecast.period", crm_sales_report(&out, db, "forecast", "{\"period\":\"week\"}"));
    CHECK(out == NULL);

    /* ---- deletes: tombstones that sync; the principal needs "delete" and the record in scope */
    CHECK_OK(crm_pipeline_create(&out, db, "{\"name\":\"Empty\",\"stages\":[{\"name\":\"Only\"}]}"));
    json_str(out, "id", empty_pipeline, sizeof empty_pipeline);
    crm_free(out);
    CHECK_OK(crm_pipeline_delete(db, empty_pipeline));
    CHECK_FAILS(CRM_ENOTFOUND, "pipeline", crm_pipeline_delete(db, empty_pipeline));
    CHECK_FAILS(CRM_EEXISTS, "pipeline_id", crm_pipeline_delete(db, pipeline_id)); /* opportunities use it */
    CHECK_FAILS(CRM_EINVAL, "id", crm_pipeline_delete(db, NULL));
    CHECK_FAILS(CRM_EINVAL, "db", crm_pipeline_delete(NULL, pipeline_id));
    CHECK_OK(crm_pipeline_list(&out, db));
    CHECK(strstr(out, "\"Empty\"") == NULL);
    crm_free(out);

    CHECK_OK(crm_user_put(db, "{\"name\":\"carol\",\"role\":\"sales\"}"));
    CHECK_OK(crm_user_put(db, "{\"name\":\"mgr\",\"role\":\"manager\",\"team\":\"west\"}"));
    CHECK_OK(crm_options_new(&opts));
    CHECK_OK(crm_options_set_principal(opts, "carol"));
    /* A lead of carol's, captured by the system (clear values stored). */
    CHECK_OK(crm_lead_capture(&out, db, "{\"name\":\"张伟\",\"owner\":\"carol\",\"phone\":\"13812345678\","
                                        "\"email\":\"zhangwei@example.com\"}"));
    json_str(out, "id", carol_lead, sizeof carol_lead);
    crm_free(out);
    CHECK_OK(crm_open(&as_user, path, opts));
    /* Scope: a rep lists and reads only its own leads, and the opportunities
     * of its customers only; the others are CRM_EPERM. */
    CHECK_OK(crm_lead_list(&out, as_user, NULL));
    CHECK(strstr(out, carol_lead) != NULL);
    CHECK(strstr(out, lead) == NULL);
    /* Masking: without "unmask" the clear phone and e-mail appear nowhere. */
    CHECK(strstr(out, "138****5678") != NULL);
    CHECK(strstr(out, "13812345678") == NULL);
    CHECK(strstr(out, "zhangwei@example.com") == NULL);
    crm_free(out);
    CHECK_OK(crm_lead_get(&out, as_user, carol_lead));
    CHECK(strstr(out, "\"phone\":\"138****5678\"") != NULL);
    CHECK(strstr(out, "\"email\":\"z****@example.com\"") != NULL);
    CHECK(strstr(out, "13812345678") == NULL);
    crm_free(out);
    CHECK_FAILS(CRM_EPERM, "scope", crm_lead_get(&out, as_user, lead));
    CHECK(out == NULL);
    CHECK_FAILS(CRM_EPERM, "scope", crm_lead_update(as_user, lead, "{\"status\":\"contacted\"}"));
    CHECK_FAILS(CRM_EPERM, "scope", crm_opportunity_get(&out, as_user, opp));
    CHECK_OK(crm_opportunity_list(&out, as_user, NULL));
    CHECK(strcmp(out, "[]") == 0);
    crm_free(out);
    CHECK_OK(crm_sales_report(&out, as_user, "forecast", NULL));
    CHECK(strstr(out, "\"rows\":[]") != NULL);
    crm_free(out);
    CHECK_OK(crm_lead_get(&out, db, carol_lead)); /* the system sees the clear values */
    CHECK(strstr(out, "13812345678") != NULL);
    crm_free(out);
    CHECK_FAILS(CRM_EPERM, "delete", crm_lead_delete(as_user, lead));         /* role sales: no delete */
    CHECK_FAILS(CRM_EPERM, "delete", crm_campaign_delete(as_user, campaign));
    CHECK_FAILS(CRM_EPERM, "delete", crm_pipeline_delete(as_user, pipeline_id));
    crm_close(as_user);
    CHECK_OK(crm_options_set_principal(opts, "mgr"));
    CHECK_OK(crm_open(&as_user, path, opts));
    CHECK_FAILS(CRM_EPERM, "scope", crm_lead_delete(as_user, lead));        /* its owner is not of team west */
    CHECK_FAILS(CRM_EPERM, "scope", crm_opportunity_delete(as_user, opp));  /* nor is its customer */
    crm_close(as_user);
    crm_options_free(opts);
    CHECK_OK(crm_lead_get(&out, db, lead)); /* nothing was written */
    crm_free(out);

    CHECK_OK(crm_opportunity_delete(db, opp));
    CHECK_FAILS(CRM_ENOTFOUND, "opportunity", crm_opportunity_get(&out, db, opp));
    CHECK_FAILS(CRM_ENOTFOUND, "opportunity", crm_opportunity_delete(db, opp));
    CHECK_FAILS(CRM_EINVAL, "id", crm_opportunity_delete(db, "nope"));
    CHECK_FAILS(CRM_EINVAL, "db", crm_opportunity_delete(NULL, opp));
    CHECK_OK(crm_lead_delete(db, lead));
    CHECK_FAILS(CRM_ENOTFOUND, "lead", crm_lead_get(&out, db, lead));
    CHECK_FAILS(CRM_ENOTFOUND, "lead", crm_lead_delete(db, lead));
    CHECK_FAILS(CRM_EINVAL, "id", crm_lead_delete(db, NULL));
    CHECK_OK(crm_campaign_delete(db, campaign));
    CHECK_FAILS(CRM_ENOTFOUND, "campaign", crm_campaign_get(&out, db, campaign));
    CHECK_FAILS(CRM_EINVAL, "id", crm_campaign_delete(db, "x"));
    /* The converted lead's opportunity still uses the pipeline; deleting its
     * customer takes it along, and then the pipeline can go. */
    CHECK_FAILS(CRM_EEXISTS, "pipeline_id", crm_pipeline_delete(db, pipeline_id));
    CHECK_OK(crm_customer_delete(db, customer2));
    CHECK_OK(crm_opportunity_list(&out, db, NULL));
    CHECK(strcmp(out, "[]") == 0);
    crm_free(out);
    CHECK_OK(crm_pipeline_delete(db, pipeline_id));
    CHECK_OK(crm_pipeline_list(&out, db));
    CHECK(strcmp(out, "[]") == 0);
    crm_free(out);

    crm_free(opp);
    crm_close(db);
    CHECK(crm_live_handles() == 0);
    unlink(path);
    snprintf(buf, sizeof buf, "%s-wal", path);
    unlink(buf);
    snprintf(buf, sizeof buf, "%s-shm", path);
    unlink(buf);
    rmdir(dir);
    printf("abi_sales_test: %ld checks passed\n", g_checks);
    return 0;
}

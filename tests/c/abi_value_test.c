/*
 * abi_value_test.c — customer value and lifecycle (crmlite_value.h) from plain
 * C11 through the shared library: every function, with its error paths, and
 * the ownership rule (every returned buffer freed with crm_free; outputs NULL
 * on failure).
 *
 * Usage: crmlite_abi_value_test [scratch-dir]
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crmlite/crmlite.h"

static long g_checks;

static void fail_at(int line, const char* what) {
    char msg[1024];
    snprintf(msg, sizeof msg, "%s", crm_errmsg());
    fprintf(stderr, "abi_value_test.c:%d: check failed: %s\n  crm_errmsg(): \"%s\"\n", line, what, msg);
    exit(EXIT_FAILURE);
}

#define CHECK(cond)                                   \
    do {                                              \
        ++g_checks;                                   \
        if (!(cond)) fail_at(__LINE__, #cond);        \
    } while (0)
/* The call's status is `expected`; after a failure the message names `needle`. */
#define EXPECT(expected, needle, call)                                                            \
    do {                                                                                          \
        crm_status st_ = (call);                                                                  \
        ++g_checks;                                                                               \
        if (st_ != (expected)) fail_at(__LINE__, #call " returned the wrong status");             \
        if (st_ != CRM_OK && strstr(crm_errmsg(), (needle)) == NULL) fail_at(__LINE__, #call " message"); \
        if (st_ == CRM_OK && crm_errmsg()[0] != '\0') fail_at(__LINE__, #call " left a message");  \
    } while (0)
#define OK(call) EXPECT(CRM_OK, "", call)

static int contains(const char* s, const char* needle) { return s != NULL && strstr(s, needle) != NULL; }

int main(int argc, char** argv) {
    char dir[512], path[600];
    crm_db* db = NULL;
    char* out = NULL;
    char* cust = NULL;
    char* task = NULL;
    char* rule = NULL;
    char* trule = NULL;
    char order[512];
    snprintf(dir, sizeof dir, "%s/abi_value_XXXXXX", argc > 1 ? argv[1] : "/tmp");
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/crm.db", dir);
    OK(crm_open(&db, path, NULL));

    OK(crm_customer_create(&cust, db, "{\"kind\":\"person\",\"display_name\":\"王小明\",\"owner\":\"li\"}"));
    snprintf(order, sizeof order,
             "{\"customer_id\":\"%s\",\"kind\":\"order\",\"occurred_at\":\"2026-06-01T10:00:00Z\",\"amount_minor\":12345,\"currency\":\"CNY\"}", cust);
    OK(crm_interaction_add(&out, db, order));
    crm_free(out);

    /* ---- RFM */
    OK(crm_rfm_default_segments(&out));
    CHECK(contains(out, "\"555\":\"Champions\"") && contains(out, "\"111\":\"Lost\""));
    crm_free(out);
    EXPECT(CRM_EINVAL, "out_json", crm_rfm_default_segments(NULL));
    EXPECT(CRM_ENOTFOUND, "no RFM run", crm_rfm_customer(&out, db, cust));
    CHECK(out == NULL);
    EXPECT(CRM_EINVAL, "rfm.as_of", crm_rfm_compute(&out, db, "{}"));
    CHECK(out == NULL);
    EXPECT(CRM_EINVAL, "rfm.method", crm_rfm_compute(&out, db, "{\"as_of\":\"2026-06-30\",\"method\":\"median\"}"));
    EXPECT(CRM_EINVAL, "db", crm_rfm_compute(&out, NULL, "{}"));
    EXPECT(CRM_EINVAL, "rfm", crm_rfm_compute(&out, db, "[1]"));
    OK(crm_rfm_compute(&out, db, "{\"as_of\":\"2026-06-30T00:00:00Z\"}"));
    CHECK(contains(out, "\"mode\":\"full\"") && contains(out, "\"buyers\":1"));
    crm_free(out);
    OK(crm_rfm_refresh(&out, db, "{\"as_of\":\"2026-07-01T00:00:00Z\"}"));
    CHECK(contains(out, "\"mode\":\"incremental\""));
    crm_free(out);
    EXPECT(CRM_EINVAL, "rfm.window_days", crm_rfm_refresh(&out, db, "{\"as_of\":\"2026-07-01\",\"window_days\":-3}"));
    OK(crm_rfm_customer(&out, db, cust));
    CHECK(contains(out, "\"recency_days\":30") && contains(out, "\"frequency\":1") && contains(out, "\"monetary\":12345"));
    crm_free(out);
    EXPECT(CRM_EINVAL, "customer_id", crm_rfm_customer(&out, db, "not-an-id"));
    OK(crm_rfm_snapshots(&out, db));
    CHECK(contains(out, "\"id\":2") && contains(out, "\"id\":1"));
    crm_free(out);
    EXPECT(CRM_EINVAL, "out_json", crm_rfm_snapshots(NULL, db));
    OK(crm_rfm_movement(&out, db, 0, 0));
    CHECK(contains(out, "\"stayed\":1") && contains(out, "\"moved\":0"));
    crm_free(out);
    EXPECT(CRM_ENOTFOUND, "to: no snapshot", crm_rfm_movement(&out, db, 1, 99));

    /* ---- tasks */
    {
        char json[512];
        snprintf(json, sizeof json, "{\"customer_id\":\"%s\",\"kind\":\"call\",\"due_at\":\"2026-07-02T09:00:00Z\",\"assignee\":\"li\"}", cust);
        OK(crm_task_create(&task, db, json));
        EXPECT(CRM_EINVAL, "task.customer_id", crm_task_create(&out, db, "{\"kind\":\"call\",\"due_at\":\"2026-07-02\"}"));
        CHECK(out == NULL);
    }
    OK(crm_task_update(db, task, "{\"notes\":\"带报价单\"}"));
    EXPECT(CRM_EINVAL, "task.status", crm_task_update(db, task, "{\"status\":\"later\"}"));
    OK(crm_task_get(&out, db, task));
    CHECK(contains(out, "带报价单") && contains(out, "\"status\":\"open\""));
    crm_free(out);
    EXPECT(CRM_ENOTFOUND, "task", crm_task_get(&out, db, "00000000-0000-7000-8000-000000000000"));
    OK(crm_tasks_due(&out, db, "2026-07-01T00:00:00Z", NULL));
    CHECK(strcmp(out, "[]") == 0);
    crm_free(out);
    OK(crm_tasks_due(&out, db, "2026-07-03T00:00:00Z", "li"));
    CHECK(contains(out, task) && contains(out, "\"overdue\":true"));
    crm_free(out);
    EXPECT(CRM_EINVAL, "now", crm_tasks_due(&out, db, "yesterday", NULL));
    OK(crm_task_snooze(db, task, "2026-07-05T00:00:00Z"));
    EXPECT(CRM_EINVAL, "until", crm_task_snooze(db, task, NULL));
    OK(crm_tasks_due(&out, db, "2026-07-03T00:00:00Z", NULL));
    CHECK(strcmp(out, "[]") == 0);
    crm_free(out);
    OK(crm_task_complete(db, task, "2026-07-04T00:00:00Z"));
    EXPECT(CRM_EINVAL, "id", crm_task_complete(db, "x", NULL));
    OK(crm_tasks_for_customer(&out, db, cust));
    CHECK(contains(out, "\"status\":\"done\""));
    crm_free(out);
    EXPECT(CRM_EINVAL, "customer_id", crm_tasks_for_customer(&out, db, NULL));
    OK(crm_task_delete(db, task));
    EXPECT(CRM_ENOTFOUND, "task", crm_task_delete(db, task));
    EXPECT(CRM_ENOTFOUND, "task", crm_task_get(&out, db, task));
    EXPECT(CRM_EINVAL, "id", crm_task_delete(db, "x"));
    OK(crm_tasks_for_customer(&out, db, cust));
    CHECK(strcmp(out, "[]") == 0);
    crm_free(out);

    /* ---- follow-up rules */
    OK(crm_followup_install_defaults(&out, db));
    CHECK(contains(out, "["));
    crm_free(out);
    OK(crm_followup_rule_save(&rule, db, "{\"name\":\"慢\",\"definition\":{\"trigger\":\"new_customer\",\"within_days\":7}}"));
    EXPECT(CRM_EINVAL, "followup_rule.definition.trigger", crm_followup_rule_save(&out, db, "{\"name\":\"x\",\"definition\":{\"trigger\":\"moon\"}}"));
    OK(crm_followup_rule_list(&out, db));
    CHECK(contains(out, "new_customer") && contains(out, "ticket_open") && contains(out, "revisit_tier"));
    crm_free(out);
    OK(crm_followup_run(&out, db, NULL));
    CHECK(contains(out, "\"created\":2")); /* the new customer, by the default rule and by ours */
    crm_free(out);
    OK(crm_followup_run(&out, db, NULL));
    CHECK(contains(out, "\"created\":0"));
    crm_free(out);
    OK(crm_followup_rule_delete(db, rule));
    EXPECT(CRM_ENOTFOUND, "followup_rule", crm_followup_rule_delete(db, rule));

    /* ---- lifecycle */
    OK(crm_lifecycle_suggest(&out, db, cust, "{\"as_of\":\"2026-07-01T00:00:00Z\"}"));
    CHECK(contains(out, "\"stage\":\"customer\""));
    crm_free(out);
    EXPECT(CRM_EINVAL, "lifecycle.as_of", crm_lifecycle_suggest(&out, db, cust, "{}"));
    OK(crm_lifecycle_apply(&out, db, NULL, "{\"as_of\":\"2026-07-01T00:00:00Z\"}"));
    CHECK(contains(out, "\"changed\":1"));
    crm_free(out);
    EXPECT(CRM_EINVAL, "lifecycle.colour", crm_lifecycle_apply(&out, db, cust, "{\"as_of\":\"2026-07-01\",\"colour\":1}"));
    OK(crm_lifecycle_set(db, cust, "loyal", "manual"));
    EXPECT(CRM_EINVAL, "stage", crm_lifecycle_set(db, cust, "gold", "manual"));
    OK(crm_lifecycle_history(&out, db, cust));
    CHECK(contains(out, "\"stage\":\"customer\"") && contains(out, "\"stage\":\"loyal\"") && contains(out, "\"source\":\"manual\""));
    crm_free(out);
    EXPECT(CRM_ENOTFOUND, "customer", crm_lifecycle_history(&out, db, "00000000-0000-7000-8000-000000000000"));

    /* ---- dynamic tags */
    OK(crm_tag_rule_save(&trule, db, "{\"name\":\"buyers\",\"tag\":\"行为/买家\",\"condition\":{\"agg\":\"count\",\"kind\":\"order\",\"op\":\"gte\",\"value\":1}}"));
    EXPECT(CRM_EINVAL, "tag_rule.condition.op", crm_tag_rule_save(&out, db, "{\"name\":\"x\",\"tag\":\"x\",\"condition\":{\"field\":\"city\",\"op\":\"like\",\"value\":\"a\"}}"));
    CHECK(out == NULL);
    OK(crm_tag_rule_list(&out, db));
    CHECK(contains(out, trule));
    crm_free(out);
    OK(crm_tag_rules_apply(&out, db, NULL, "2026-07-01T00:00:00Z"));
    CHECK(contains(out, "\"added\":1"));
    crm_free(out);
    OK(crm_tag_rules_apply(&out, db, cust, NULL));
    CHECK(contains(out, "\"evaluated\":1"));
    crm_free(out);
    OK(crm_tag_rules_refresh(&out, db, NULL));
    crm_free(out);
    EXPECT(CRM_EINVAL, "now", crm_tag_rules_refresh(&out, db, "later"));
    OK(crm_tag_rule_delete(db, trule));
    EXPECT(CRM_EINVAL, "id", crm_tag_rule_delete(db, "zz"));

    /* ---- churn and reports */
    OK(crm_churn_score(&out, db, cust, "{\"as_of\":\"2026-12-01T00:00:00Z\"}"));
    CHECK(contains(out, "\"code\":\"overdue\""));
    crm_free(out);
    EXPECT(CRM_EINVAL, "churn.as_of", crm_churn_score(&out, db, cust, "{}"));
    OK(crm_churn_at_risk(&out, db, "{\"as_of\":\"2026-12-01T00:00:00Z\",\"threshold\":0.1}"));
    CHECK(contains(out, "\"count\":1") && contains(out, cust));
    crm_free(out);
    EXPECT(CRM_EINVAL, "churn.limit", crm_churn_at_risk(&out, db, "{\"as_of\":\"2026-12-01\",\"limit\":0}"));
    /* Every report. One buyer (12345 fen, 30 days before the last run's as-of):
     * scores 1/1/1 among one buyer -> "Lost", tier base. */
    OK(crm_value_report(&out, db, "segments", NULL));
    CHECK(contains(out, "\"tiers\"") && contains(out, "\"name\":\"Lost\"") && contains(out, "\"revenue\":12345"));
    CHECK(contains(out, "\"currency\":\"CNY\"") && contains(out, "\"customer_share\":1.0"));
    crm_free(out);
    OK(crm_value_report(&out, db, "transitions", "{\"from\":1,\"to\":2}"));
    CHECK(contains(out, "\"stayed\":1") && contains(out, "\"from\":\"Lost\",\"to\":\"Lost\""));
    crm_free(out);
    EXPECT(CRM_ENOTFOUND, "from: no snapshot", crm_value_report(&out, db, "transitions", "{\"from\":77,\"to\":2}"));
    CHECK(out == NULL);
    EXPECT(CRM_EINVAL, "report.colour", crm_value_report(&out, db, "transitions", "{\"colour\":1}"));
    OK(crm_value_report(&out, db, "funnel", "{}"));
    /* history: customer (rule), then loyal (manual) */
    CHECK(contains(out, "{\"customers\":1,\"ever_reached\":1,\"stage\":\"loyal\"}"));
    CHECK(contains(out, "{\"customers\":0,\"ever_reached\":1,\"stage\":\"customer\"}"));
    crm_free(out);
    OK(crm_value_report(&out, db, "followup", "{\"now\":\"2026-08-01T00:00:00Z\"}"));
    CHECK(contains(out, "\"done_on_time\""));
    crm_free(out);
    EXPECT(CRM_EINVAL, "report.now", crm_value_report(&out, db, "followup", "{\"now\":\"soon\"}"));
    OK(crm_value_report(&out, db, "repeat_rate", NULL));
    CHECK(contains(out, "\"buyers\":1") && contains(out, "\"repeat_buyers\":0"));
    crm_free(out);
    OK(crm_value_report(&out, db, "aov", NULL));
    CHECK(contains(out, "\"aov\":12345") && contains(out, "\"orders\":1"));
    crm_free(out);
    {
        char params[256];
        snprintf(params, sizeof params, "{\"customer_id\":\"%s\",\"retention\":0.5,\"discount_rate\":0,\"margin\":1}", cust);
        OK(crm_value_report(&out, db, "clv", params));
        /* 12345 x 0.5 / (1 - 0.5): one year's value */
        CHECK(contains(out, "\"clv\":12345") && contains(out, "\"clv_total\":12345") && contains(out, cust));
        crm_free(out);
    }
    EXPECT(CRM_EINVAL, "report.retention", crm_value_report(&out, db, "clv", "{\"retention\":1.5}"));
    EXPECT(CRM_EINVAL, "unknown report", crm_value_report(&out, db, "weather", NULL));
    CHECK(out == NULL);
    EXPECT(CRM_EINVAL, "name", crm_value_report(&out, db, NULL, NULL));

    crm_free(cust);
    crm_free(task);
    crm_free(rule);
    crm_free(trule);
    crm_close(db);
    CHECK(crm_live_handles() == 0);
    unlink(path);
    snprintf(path, sizeof path, "%s/crm.db-wal", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/crm.db-shm", dir);
    unlink(path);
    rmdir(dir);
    printf("abi_value_test: %ld checks passed\n", g_checks);
    return 0;
}

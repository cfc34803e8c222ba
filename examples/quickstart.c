/*
 * quickstart.c — a tour of crmlite's C ABI: a company and a person, a call and
 * an order, the 360-degree view, search, and a sorted, paginated listing.
 *
 *   quickstart_c [database-path]     (default: /tmp/crmlite-quickstart-<pid>.db)
 *
 * Every call returns a crm_status; crm_errmsg() explains a failure. Strings the
 * library returns through char** are ours to crm_free(); cursor rows are
 * borrowed until the next crm_cursor_next().
 */
#define _POSIX_C_SOURCE 200809L /* getpid */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "crmlite/crmlite.h"

/* Stops the tour at the first failure, saying which call failed and why. */
#define TRY(call)                                                                               \
    do {                                                                                        \
        crm_status st_ = (call);                                                                \
        if (st_ != CRM_OK) {                                                                    \
            fprintf(stderr, "%s failed: %s: %s\n", #call, crm_status_name(st_), crm_errmsg());  \
            exit(EXIT_FAILURE);                                                                 \
        }                                                                                       \
    } while (0)

/* Prints every row of a cursor; optionally keeps its resume token; frees it. */
static void print_rows(const char* title, crm_cursor* cursor, char** token) {
    const char* row;
    crm_status st;
    printf("%s\n", title);
    while ((st = crm_cursor_next(&row, cursor)) == CRM_ROW) printf("  %s\n", row);
    if (st != CRM_DONE) fprintf(stderr, "cursor: %s\n", crm_errmsg());
    if (token) TRY(crm_cursor_token(token, cursor)); /* before the cursor is freed */
    crm_cursor_free(cursor);
}

int main(int argc, char** argv) {
    char path[256], json[1024];
    crm_db* db = NULL;
    crm_cursor* cursor = NULL;
    char *company = NULL, *person = NULL, *id = NULL, *view = NULL, *token = NULL;

    if (argc > 1) snprintf(path, sizeof path, "%s", argv[1]);
    else snprintf(path, sizeof path, "/tmp/crmlite-quickstart-%ld.db", (long)getpid());
    printf("crmlite %s, database %s\n", crm_version(), path);
    TRY(crm_open(&db, path, NULL)); /* NULL options: create if missing, read-write, UTC */

    /* A company, and a person working there: records are JSON objects. */
    TRY(crm_customer_create(&company, db, "{\"kind\":\"company\",\"display_name\":\"杭州西湖茶业有限公司\"}"));
    snprintf(json, sizeof json,
             "{\"family_name\":\"王\",\"given_name\":\"小明\",\"company_id\":\"%s\",\"city\":\"杭州\","
             "\"phones\":[\"+86 138 1234 5678\"],\"emails\":[\"xiaoming@example.com\"],\"tags\":[\"客户/VIP\"]}",
             company);
    TRY(crm_customer_create(&person, db, json));
    TRY(crm_customer_create(&id, db, "{\"display_name\":\"Mary Johnson\"}"));
    crm_free(id);

    /* A call and an order; the order's total is computed from its line items. */
    snprintf(json, sizeof json, "{\"customer_id\":\"%s\",\"kind\":\"call\",\"direction\":\"inbound\","
             "\"subject\":\"询问龙井价格\"}", person);
    TRY(crm_interaction_add(&id, db, json));
    crm_free(id);
    snprintf(json, sizeof json, "{\"customer_id\":\"%s\",\"kind\":\"order\",\"currency\":\"CNY\","
             "\"items\":[{\"product\":\"明前龙井 250g\",\"quantity\":2,\"unit_price_minor\":38800}]}", person);
    TRY(crm_interaction_add(&id, db, json));
    crm_free(id);

    /* The 360-degree view: profile, contacts, tags, latest interactions, totals. */
    TRY(crm_customer_view(&view, db, person));
    printf("360 view of 王小明:\n  %s\n", view);
    crm_free(view);

    /* Search: a Chinese substring, then the last four digits of the phone. */
    TRY(crm_search(&cursor, db, "{\"q\":\"小明\"}"));
    print_rows("search \"小明\":", cursor, NULL);
    TRY(crm_search(&cursor, db, "{\"q\":\"5678\"}"));
    print_rows("search \"5678\":", cursor, NULL);

    /* Customers sorted by name (Chinese by pinyin), one page of two, and the
     * token that resumes after it. */
    TRY(crm_customer_query(&cursor, db, "{\"sort\":\"name\",\"limit\":2}"));
    print_rows("customers by name, page 1:", cursor, &token);
    snprintf(json, sizeof json, "{\"sort\":\"name\",\"limit\":2,\"after\":\"%s\"}", token ? token : "");
    crm_free(token);
    TRY(crm_customer_query(&cursor, db, json));
    print_rows("customers by name, page 2:", cursor, NULL);

    crm_free(company);
    crm_free(person);
    crm_close(db);
    return crm_live_handles() == 0 ? EXIT_SUCCESS : EXIT_FAILURE; /* nothing leaked */
}

/*
 * abi_test.c — the C ABI seen from plain C11, exactly as an application or a
 * binding sees it: only crmlite.h, only the shared library.
 *
 * Every function declared in crmlite.h is called here, with its error paths
 * (tests/c/check_coverage.cmake fails the build's tests when one is missing).
 * Besides the per-call expectations, every status check also verifies the
 * error-state invariants of the ABI: after a success crm_errmsg() is "" and
 * crm_errcode() is CRM_OK; after a failure the message is not empty and
 * crm_errcode() repeats the status.
 *
 * Usage: crmlite_abi_test [scratch-dir]   (default /tmp). A fresh directory is
 * made inside it and removed again when every check passed.
 */
#define _POSIX_C_SOURCE 200809L /* mkdtemp, opendir, rmdir */

#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crmlite/crmlite.h"

/* ------------------------------------------------------------ check macros */

static long g_checks;

/* Reports a failed check with the library's own explanation and stops: later
 * checks build on earlier ones, so going on would only add noise. */
static void fail_check(const char* file, int line, const char* what, const char* detail) {
    /* Copy the message first: crm_errmsg() is only valid until the next crm_* call. */
    char msg[1024];
    snprintf(msg, sizeof msg, "%s", crm_errmsg());
    fprintf(stderr, "%s:%d: check failed: %s\n", file, line, what);
    if (detail != NULL) fprintf(stderr, "  %s\n", detail);
    fprintf(stderr, "  crm_errmsg(): \"%s\" (crm_errcode_sqlite() = %d)\n", msg, crm_errcode_sqlite());
    exit(EXIT_FAILURE);
}

#define CHECK(cond)                                                   \
    do {                                                              \
        ++g_checks;                                                   \
        if (!(cond)) fail_check(__FILE__, __LINE__, #cond, NULL);     \
    } while (0)

/* The status of `call` must be `expected`, and the thread-local error state
 * must agree with it. */
static void check_status(const char* file, int line, const char* call, crm_status expected, crm_status got) {
    char detail[256];
    const char* msg = crm_errmsg();
    const int failed = got != CRM_OK && got != CRM_ROW && got != CRM_DONE;
    ++g_checks;
    if (got != expected) {
        snprintf(detail, sizeof detail, "expected %s, got %s", crm_status_name(expected), crm_status_name(got));
        fail_check(file, line, call, detail);
    }
    if (msg == NULL) fail_check(file, line, call, "crm_errmsg() returned NULL");
    if (failed && msg[0] == '\0') fail_check(file, line, call, "failure without a message");
    if (!failed && msg[0] != '\0') fail_check(file, line, call, "crm_errmsg() not \"\" after a success");
    if (crm_errcode() != (failed ? got : CRM_OK)) fail_check(file, line, call, "crm_errcode() disagrees with the status");
}

#define CHECK_STATUS(expected, call) check_status(__FILE__, __LINE__, #call, (expected), (call))
#define CHECK_OK(call) CHECK_STATUS(CRM_OK, call)

/* True when `word` occurs in `text` as a whole identifier ("id" in
 * "id: NULL argument" but not in "customer_id: ..."). */
static int names_word(const char* text, const char* word) {
    const size_t n = strlen(word);
    const char* p = text;
    while ((p = strstr(p, word)) != NULL) {
        const int starts = p == text || !(p[-1] == '_' || (p[-1] >= 'a' && p[-1] <= 'z'));
        const int ends = !(p[n] == '_' || (p[n] >= 'a' && p[n] <= 'z'));
        if (starts && ends) return 1;
        ++p;
    }
    return 0;
}

/* A NULL argument gives CRM_EINVAL with a message naming that argument. */
#define CHECK_NULL_ARG(call, argname)                                                        \
    do {                                                                                     \
        CHECK_STATUS(CRM_EINVAL, call);                                                      \
        if (!names_word(crm_errmsg(), argname))                                              \
            fail_check(__FILE__, __LINE__, #call, "the message does not name " argname);     \
    } while (0)

/* A non-NULL value stored in out-parameters before a call that must fail, so
 * the test can see that the library set them to NULL. Never dereferenced. */
static max_align_t g_poison_storage;
#define POISON ((void*)&g_poison_storage)

/* A valid UUID that no record has. */
static const char* const kNoSuchId = "01890a5d-ac96-774b-bcce-b302099a8057";

/* ---------------------------------------------------------------- helpers */

static char g_dir[512];

static const char* path_in_dir(char* buf, size_t size, const char* name) {
    snprintf(buf, size, "%s/%s", g_dir, name);
    return buf;
}

static int file_exists(const char* path) {
    FILE* f = fopen(path, "rb");
    if (f == NULL) return 0;
    fclose(f);
    return 1;
}

static void write_file(const char* path, const void* data, size_t size) {
    FILE* f = fopen(path, "wb");
    CHECK(f != NULL);
    CHECK(fwrite(data, 1, size, f) == size);
    CHECK(fclose(f) == 0);
}

/* Reads a whole file into a malloc'ed buffer (NUL-terminated for text use). */
static char* read_file(const char* path, size_t* size) {
    FILE* f = fopen(path, "rb");
    char* data = NULL;
    size_t used = 0, cap = 0, got;
    CHECK(f != NULL);
    do {
        if (used + 4096 + 1 > cap) {
            cap = cap * 2 + 8192;
            data = realloc(data, cap);
            CHECK(data != NULL);
        }
        got = fread(data + used, 1, 4096, f);
        used += got;
    } while (got > 0);
    fclose(f);
    data[used] = '\0';
    *size = used;
    return data;
}

/* Copies the string value of "key" from a flat JSON text (ids, names: no
 * escapes). Returns 0 when the key is missing. */
static int json_str(char* out, size_t size, const char* json, const char* key) {
    char pattern[128];
    const char* p;
    size_t n = 0;
    snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
    p = strstr(json, pattern);
    if (p == NULL) return 0;
    p += strlen(pattern);
    while (p[n] != '\0' && p[n] != '"' && n + 1 < size) ++n;
    memcpy(out, p, n);
    out[n] = '\0';
    return 1;
}

/* The integer value of "key", or -1 when missing. */
static long long json_int(const char* json, const char* key) {
    char pattern[128];
    const char* p;
    snprintf(pattern, sizeof pattern, "\"%s\":", key);
    p = strstr(json, pattern);
    return p == NULL ? -1 : strtoll(p + strlen(pattern), NULL, 10);
}

static crm_db* open_db(const char* name) {
    char path[600];
    crm_db* db = NULL;
    CHECK_OK(crm_open(&db, path_in_dir(path, sizeof path, name), NULL));
    CHECK(db != NULL);
    return db;
}

/* Creates a customer and copies its id into `id` (37 bytes). */
static void create_customer(char* id, crm_db* db, const char* json) {
    char* out = NULL;
    CHECK_OK(crm_customer_create(&out, db, json));
    CHECK(out != NULL && strlen(out) == 36);
    snprintf(id, 37, "%s", out);
    crm_free(out);
}

static int64_t count_customers(crm_db* db) {
    int64_t n = -1;
    CHECK_OK(crm_customer_count(&n, db, NULL));
    return n;
}

/* Drains a cursor; returns the number of rows and whether any row contains `needle`. */
static int drain(crm_cursor* c, const char* needle, int* found) {
    const char* row = NULL;
    int rows = 0;
    crm_status st;
    if (found) *found = 0;
    while ((st = crm_cursor_next(&row, c)) == CRM_ROW) {
        CHECK(row != NULL && row[0] == '{');
        if (found && needle && strstr(row, needle)) *found = 1;
        ++rows;
    }
    CHECK_STATUS(CRM_DONE, st);
    CHECK(row == NULL);
    return rows;
}

/* ------------------------------------------------ versions, statuses, memory */

static void test_versions_and_statuses(void) {
    static const struct {
        crm_status status;
        const char* name;
    } names[] = {
#define ENTRY(s) {s, #s}
        ENTRY(CRM_OK),        ENTRY(CRM_ERROR),  ENTRY(CRM_EINVAL),   ENTRY(CRM_ENOTFOUND), ENTRY(CRM_EEXISTS),
        ENTRY(CRM_ENOTADB),   ENTRY(CRM_ETOONEW), ENTRY(CRM_EIO),     ENTRY(CRM_EBUSY),     ENTRY(CRM_ENOMEM),
        ENTRY(CRM_EPERM),     ENTRY(CRM_ECORRUPT), ENTRY(CRM_EMISUSE), ENTRY(CRM_ECANCELED), ENTRY(CRM_EUSER),
        ENTRY(CRM_EFORMAT),   ENTRY(CRM_ESTALE), ENTRY(CRM_ECONFLICT), ENTRY(CRM_ROW), ENTRY(CRM_DONE),
#undef ENTRY
    };
    char expected[32];
    size_t i;

    /* The loaded library is the one this file was compiled against. */
    CHECK(strcmp(crm_version(), CRMLITE_VERSION_STRING) == 0);
    CHECK(crm_version_number() == CRMLITE_VERSION_NUMBER);
    CHECK(crm_abi_version() == CRMLITE_ABI_VERSION);
    CHECK(CRMLITE_VERSION_NUMBER ==
          CRMLITE_VERSION_MAJOR * 1000000 + CRMLITE_VERSION_MINOR * 1000 + CRMLITE_VERSION_PATCH);
    snprintf(expected, sizeof expected, "%d.%d.%d", CRMLITE_VERSION_MAJOR, CRMLITE_VERSION_MINOR,
             CRMLITE_VERSION_PATCH);
    CHECK(strcmp(crm_version(), expected) == 0);

    for (i = 0; i < sizeof names / sizeof names[0]; ++i) CHECK(strcmp(crm_status_name(names[i].status), names[i].name) == 0);
    /* A value from a newer library still gets a printable name. */
    CHECK(crm_status_name((crm_status)999) != NULL);

    /* Every release function accepts NULL. */
    crm_free(NULL);
    crm_close(NULL);
    crm_cursor_free(NULL);
    crm_options_free(NULL);
    crm_import_options_free(NULL);
    CHECK(crm_live_handles() == 0);
}

/* ------------------------------------------------------------- NULL arguments */

/* Every pointer argument that is not documented as optional is checked, and
 * every out-parameter is NULL (or 0) afterwards — whichever argument was bad. */
static void test_null_arguments(void) {
    char path[600];
    crm_db* db = open_db("null_args.db");
    crm_options* opts = NULL;
    crm_import_options* iopts = NULL;
    crm_cursor* cur = NULL;
    crm_db* dbout = POISON;
    crm_cursor* curout = POISON;
    char* out = POISON;
    const char* row = POISON;
    int64_t n = 42;
    char id[37];

    create_customer(id, db, "{\"display_name\":\"NULL tester\"}");
    CHECK_OK(crm_options_new(&opts));
    CHECK_OK(crm_import_options_new(&iopts));
    CHECK_OK(crm_customer_query(&cur, db, NULL)); /* NULL query: all customers, default order */

    CHECK_NULL_ARG(crm_options_new(NULL), "out");
    CHECK_NULL_ARG(crm_options_set_create(NULL, 1), "opts");
    CHECK_NULL_ARG(crm_options_set_readonly(NULL, 1), "opts");
    CHECK_NULL_ARG(crm_options_set_timezone(NULL, "UTC"), "opts");
    CHECK_NULL_ARG(crm_options_set_timezone(opts, NULL), "tz");
    CHECK_NULL_ARG(crm_options_set_busy_timeout(NULL, 10), "opts");

    CHECK_NULL_ARG(crm_open(NULL, path_in_dir(path, sizeof path, "x.db"), NULL), "out");
    CHECK_NULL_ARG(crm_open(&dbout, NULL, NULL), "path");
    CHECK(dbout == NULL);
    CHECK_NULL_ARG(crm_begin(NULL), "db");
    CHECK_NULL_ARG(crm_commit(NULL), "db");
    CHECK_NULL_ARG(crm_rollback(NULL), "db");
    CHECK_NULL_ARG(crm_db_info(NULL, db), "out_json");
    CHECK_NULL_ARG(crm_db_info(&out, NULL), "db");
    CHECK(out == NULL);

    CHECK_NULL_ARG(crm_cursor_next(NULL, cur), "out_json");
    CHECK_NULL_ARG(crm_cursor_next(&row, NULL), "cursor");
    CHECK(row == NULL);
    out = POISON;
    CHECK_NULL_ARG(crm_cursor_token(NULL, cur), "out_token");
    CHECK_NULL_ARG(crm_cursor_token(&out, NULL), "cursor");
    CHECK(out == NULL);

    out = POISON;
    CHECK_NULL_ARG(crm_customer_create(NULL, db, "{}"), "out_id");
    CHECK_NULL_ARG(crm_customer_create(&out, NULL, "{\"display_name\":\"x\"}"), "db");
    CHECK(out == NULL);
    out = POISON;
    CHECK_NULL_ARG(crm_customer_create(&out, db, NULL), "json");
    CHECK(out == NULL);
    out = POISON;
    CHECK_NULL_ARG(crm_customer_get(NULL, db, id), "out_json");
    CHECK_NULL_ARG(crm_customer_get(&out, NULL, id), "db");
    CHECK(out == NULL);
    out = POISON;
    CHECK_NULL_ARG(crm_customer_get(&out, db, NULL), "id");
    CHECK(out == NULL);
    CHECK_NULL_ARG(crm_customer_update(NULL, id, "{}"), "db");
    CHECK_NULL_ARG(crm_customer_update(db, NULL, "{}"), "id");
    CHECK_NULL_ARG(crm_customer_update(db, id, NULL), "json");
    CHECK_NULL_ARG(crm_customer_delete(NULL, id), "db");
    CHECK_NULL_ARG(crm_customer_delete(db, NULL), "id");
    out = POISON;
    CHECK_NULL_ARG(crm_customer_find_external(NULL, db, "erp", "1"), "out_id");
    CHECK_NULL_ARG(crm_customer_find_external(&out, NULL, "erp", "1"), "db");
    CHECK(out == NULL);
    out = POISON;
    CHECK_NULL_ARG(crm_customer_find_external(&out, db, NULL, "1"), "system");
    CHECK(out == NULL);
    out = POISON;
    CHECK_NULL_ARG(crm_customer_find_external(&out, db, "erp", NULL), "external_id");
    CHECK(out == NULL);
    out = POISON;
    CHECK_NULL_ARG(crm_customer_view(NULL, db, id), "out_json");
    CHECK_NULL_ARG(crm_customer_view(&out, NULL, id), "db");
    CHECK(out == NULL);
    out = POISON;
    CHECK_NULL_ARG(crm_customer_view(&out, db, NULL), "id");
    CHECK(out == NULL);
    CHECK_NULL_ARG(crm_customer_query(NULL, db, "{}"), "out");
    CHECK_NULL_ARG(crm_customer_query(&curout, NULL, "{}"), "db");
    CHECK(curout == NULL);
    CHECK_NULL_ARG(crm_customer_count(NULL, db, NULL), "out_count");
    CHECK_NULL_ARG(crm_customer_count(&n, NULL, NULL), "db");
    CHECK(n == 0);

    out = POISON;
    CHECK_NULL_ARG(crm_interaction_add(NULL, db, "{}"), "out_id");
    CHECK_NULL_ARG(crm_interaction_add(&out, NULL, "{}"), "db");
    CHECK(out == NULL);
    out = POISON;
    CHECK_NULL_ARG(crm_interaction_add(&out, db, NULL), "json");
    CHECK(out == NULL);
    out = POISON;
    CHECK_NULL_ARG(crm_interaction_get(NULL, db, kNoSuchId), "out_json");
    CHECK_NULL_ARG(crm_interaction_get(&out, NULL, kNoSuchId), "db");
    CHECK(out == NULL);
    out = POISON;
    CHECK_NULL_ARG(crm_interaction_get(&out, db, NULL), "id");
    CHECK(out == NULL);
    CHECK_NULL_ARG(crm_interaction_update(NULL, kNoSuchId, "{}"), "db");
    CHECK_NULL_ARG(crm_interaction_update(db, NULL, "{}"), "id");
    CHECK_NULL_ARG(crm_interaction_update(db, kNoSuchId, NULL), "json");
    CHECK_NULL_ARG(crm_interaction_delete(NULL, kNoSuchId), "db");
    CHECK_NULL_ARG(crm_interaction_delete(db, NULL), "id");
    curout = POISON;
    CHECK_NULL_ARG(crm_timeline(NULL, db, "{}"), "out");
    CHECK_NULL_ARG(crm_timeline(&curout, NULL, "{}"), "db");
    CHECK(curout == NULL);
    curout = POISON;
    CHECK_NULL_ARG(crm_timeline(&curout, db, NULL), "query_json");
    CHECK(curout == NULL);

    out = POISON;
    CHECK_NULL_ARG(crm_tag_create(NULL, db, "{\"path\":\"a\"}"), "out_id");
    CHECK_NULL_ARG(crm_tag_create(&out, NULL, "{\"path\":\"a\"}"), "db");
    CHECK(out == NULL);
    out = POISON;
    CHECK_NULL_ARG(crm_tag_create(&out, db, NULL), "json");
    CHECK(out == NULL);
    out = POISON;
    CHECK_NULL_ARG(crm_tag_list(NULL, db), "out_json");
    CHECK_NULL_ARG(crm_tag_list(&out, NULL), "db");
    CHECK(out == NULL);
    CHECK_NULL_ARG(crm_tag_delete(NULL, "a"), "db");
    CHECK_NULL_ARG(crm_tag_delete(db, NULL), "path");
    CHECK_NULL_ARG(crm_tag_assign(NULL, id, "a"), "db");
    CHECK_NULL_ARG(crm_tag_assign(db, NULL, "a"), "customer_id");
    CHECK_NULL_ARG(crm_tag_assign(db, id, NULL), "path");
    CHECK_NULL_ARG(crm_tag_unassign(NULL, id, "a"), "db");
    CHECK_NULL_ARG(crm_tag_unassign(db, NULL, "a"), "customer_id");
    CHECK_NULL_ARG(crm_tag_unassign(db, id, NULL), "path");

    curout = POISON;
    CHECK_NULL_ARG(crm_search(NULL, db, "{\"q\":\"x\"}"), "out");
    CHECK_NULL_ARG(crm_search(&curout, NULL, "{\"q\":\"x\"}"), "db");
    CHECK(curout == NULL);
    curout = POISON;
    CHECK_NULL_ARG(crm_search(&curout, db, NULL), "query_json");
    CHECK(curout == NULL);

    CHECK_NULL_ARG(crm_import_options_new(NULL), "out");
    CHECK_NULL_ARG(crm_import_options_set_format(NULL, "csv"), "opts");
    CHECK_NULL_ARG(crm_import_options_set_format(iopts, NULL), "format");
    CHECK_NULL_ARG(crm_import_options_set_records(NULL, "customers"), "opts");
    CHECK_NULL_ARG(crm_import_options_set_records(iopts, NULL), "records");
    CHECK_NULL_ARG(crm_import_options_set_system(NULL, "erp"), "opts");
    CHECK_NULL_ARG(crm_import_options_set_system(iopts, NULL), "system");
    CHECK_NULL_ARG(crm_import_options_set_mapping(NULL, "{}"), "opts");
    CHECK_NULL_ARG(crm_import_options_set_mapping(iopts, NULL), "mapping_json");
    CHECK_NULL_ARG(crm_import_options_set_batch_size(NULL, 10), "opts");
    CHECK_NULL_ARG(crm_import_options_set_progress(NULL, NULL, NULL), "opts");
    out = POISON;
    CHECK_NULL_ARG(crm_import_file(NULL, db, "x.jsonl", NULL), "out_report");
    CHECK_NULL_ARG(crm_import_file(&out, NULL, "x.jsonl", NULL), "db");
    CHECK(out == NULL);
    out = POISON;
    CHECK_NULL_ARG(crm_import_file(&out, db, NULL, NULL), "path");
    CHECK(out == NULL);
    out = POISON;
    CHECK_NULL_ARG(crm_export_file(NULL, db, "customers", "x.jsonl"), "out_report");
    CHECK_NULL_ARG(crm_export_file(&out, NULL, "customers", "x.jsonl"), "db");
    CHECK(out == NULL);
    out = POISON;
    CHECK_NULL_ARG(crm_export_file(&out, db, NULL, "x.jsonl"), "records");
    CHECK(out == NULL);
    out = POISON;
    CHECK_NULL_ARG(crm_export_file(&out, db, "customers", NULL), "path");
    CHECK(out == NULL);

    /* The NULL-argument failures left the handles usable. */
    CHECK(drain(cur, id, NULL) == 1);
    crm_cursor_free(cur);
    crm_import_options_free(iopts);
    crm_options_free(opts);
    crm_close(db);
}

/* ---------------------------------------------------------------- options */

static void test_options_and_open(void) {
    char path[600], other[600];
    crm_options* opts = NULL;
    crm_db* db = POISON;
    char* info = NULL;

    CHECK(crm_live_handles() == 0);
    CHECK_OK(crm_options_new(&opts));
    CHECK(opts != NULL);
    CHECK(crm_live_handles() == 1);

    /* Bad values are refused and name the option. */
    CHECK_STATUS(CRM_EINVAL, crm_options_set_timezone(opts, "Mars/Olympus Mons"));
    CHECK(names_word(crm_errmsg(), "timezone"));
    CHECK_STATUS(CRM_EINVAL, crm_options_set_timezone(opts, ""));
    CHECK_STATUS(CRM_EINVAL, crm_options_set_busy_timeout(opts, -1));
    CHECK(strstr(crm_errmsg(), "busy_timeout") != NULL);

    /* create = 0: a missing file is CRM_ENOTFOUND and is not created. */
    CHECK_OK(crm_options_set_create(opts, 0));
    CHECK_STATUS(CRM_ENOTFOUND, crm_open(&db, path_in_dir(path, sizeof path, "missing.db"), opts));
    CHECK(db == NULL);
    CHECK(!file_exists(path));

    /* read-only never creates either. */
    CHECK_OK(crm_options_set_create(opts, 1));
    CHECK_OK(crm_options_set_readonly(opts, 1));
    db = POISON;
    CHECK_STATUS(CRM_ENOTFOUND, crm_open(&db, path, opts));
    CHECK(db == NULL);
    CHECK(!file_exists(path));

    /* A directory is not a database file. */
    CHECK_OK(crm_options_set_readonly(opts, 0));
    db = POISON;
    CHECK(crm_open(&db, g_dir, opts) != CRM_OK);
    CHECK(db == NULL);
    /* Neither is a path in a directory that does not exist. */
    snprintf(other, sizeof other, "%s/no/such/dir/x.db", g_dir);
    db = POISON;
    CHECK_STATUS(CRM_EIO, crm_open(&db, other, opts));
    CHECK(db == NULL);

    /* The time zone and busy timeout of a new file. */
    CHECK_OK(crm_options_set_timezone(opts, "Asia/Shanghai"));
    CHECK_OK(crm_options_set_busy_timeout(opts, 250));
    CHECK_OK(crm_open(&db, path_in_dir(path, sizeof path, "options.db"), opts));
    CHECK(crm_live_handles() == 2);
    CHECK_OK(crm_db_info(&info, db));
    CHECK(strstr(info, "\"timezone\":\"Asia/Shanghai\"") != NULL);
    CHECK(strstr(info, "\"readonly\":false") != NULL);
    CHECK(json_int(info, "schema_version") >= 1);
    crm_free(info);
    crm_close(db);
    crm_options_free(opts);

    /* Later opens keep the stored zone when none is given. */
    db = open_db("options.db");
    CHECK_OK(crm_db_info(&info, db));
    CHECK(strstr(info, "\"timezone\":\"Asia/Shanghai\"") != NULL);
    crm_free(info);
    crm_close(db);
    CHECK(crm_live_handles() == 0);
}

/* ------------------------------------------------------- refusing foreign files */

/* A file that is not a crmlite database is refused with CRM_ENOTADB and left
 * byte for byte as it was — whatever it is. */
static void check_refused_untouched(const char* name, const void* bytes, size_t size, int expect_sqlite_code) {
    char path[600], side[640];
    crm_db* db = POISON;
    crm_options* ro = NULL;
    size_t after_size = 0;
    char* after;

    path_in_dir(path, sizeof path, name);
    write_file(path, bytes, size);
    CHECK_STATUS(CRM_ENOTADB, crm_open(&db, path, NULL));
    CHECK(db == NULL);
    CHECK(strstr(crm_errmsg(), name) != NULL); /* the message names the file */
    if (expect_sqlite_code) CHECK((crm_errcode_sqlite() & 0xFF) == 26); /* SQLITE_NOTADB */
    else CHECK(crm_errcode_sqlite() == 0);

    CHECK_OK(crm_options_new(&ro));
    CHECK_OK(crm_options_set_readonly(ro, 1));
    db = POISON;
    CHECK_STATUS(CRM_ENOTADB, crm_open(&db, path, ro));
    CHECK(db == NULL);
    crm_options_free(ro);

    after = read_file(path, &after_size);
    CHECK(after_size == size);
    CHECK(memcmp(after, bytes, size) == 0);
    free(after);
    snprintf(side, sizeof side, "%s-wal", path);
    CHECK(!file_exists(side));
    snprintf(side, sizeof side, "%s-journal", path);
    CHECK(!file_exists(side));
}

static void test_not_a_database(void) {
    static const char text[] = "id,name\n1,this is a CSV file, not a database\n";
    static unsigned char fake[8192];
    size_t i;

    check_refused_untouched("notes.csv", text, sizeof text - 1, 0);
    /* The SQLite magic string followed by garbage: SQLite itself says NOTADB,
     * and crm_errcode_sqlite() exposes that. */
    for (i = 0; i < sizeof fake; ++i) fake[i] = (unsigned char)(i * 131u + 7u);
    memcpy(fake, "SQLite format 3", 16);
    check_refused_untouched("fake.db", fake, sizeof fake, 1);
}

/* A database whose schema version (PRAGMA user_version, the big-endian 32-bit
 * integer at offset 60 of the file header) is newer than this library's is
 * refused with CRM_ETOONEW and not modified. */
static void test_too_new(void) {
    char path[600], wal[640];
    crm_db* db = open_db("too_new.db");
    char id[37];
    char* info = NULL;
    char* bytes;
    char* after;
    size_t size = 0, after_size = 0;
    long long schema, stored;
    unsigned char* h;

    create_customer(id, db, "{\"display_name\":\"from the future\"}");
    CHECK_OK(crm_db_info(&info, db));
    schema = json_int(info, "schema_version");
    crm_free(info);
    crm_close(db);

    /* The last close checkpoints the WAL into the main file and removes it, so
     * the header in the main file is current. */
    path_in_dir(path, sizeof path, "too_new.db");
    snprintf(wal, sizeof wal, "%s-wal", path);
    CHECK(!file_exists(wal));

    bytes = read_file(path, &size);
    CHECK(size >= 100 && memcmp(bytes, "SQLite format 3", 16) == 0);
    h = (unsigned char*)bytes + 60;
    stored = ((long long)h[0] << 24) | ((long long)h[1] << 16) | ((long long)h[2] << 8) | (long long)h[3];
    CHECK(stored == schema);
    stored += 1000;
    h[0] = (unsigned char)(stored >> 24);
    h[1] = (unsigned char)(stored >> 16);
    h[2] = (unsigned char)(stored >> 8);
    h[3] = (unsigned char)stored;
    write_file(path, bytes, size);

    db = POISON;
    CHECK_STATUS(CRM_ETOONEW, crm_open(&db, path, NULL));
    CHECK(db == NULL);
    CHECK(strstr(crm_errmsg(), "newer") != NULL);

    after = read_file(path, &after_size);
    CHECK(after_size == size && memcmp(after, bytes, size) == 0);
    free(after);
    free(bytes);
}

/* ---------------------------------------------------------------- customers */

static void test_customers(void) {
    crm_db* db = open_db("customers.db");
    char company[37], person[37], other[37];
    char json[1024];
    char* out = POISON;
    int64_t n = -1;

    create_customer(company, db, "{\"kind\":\"company\",\"display_name\":\"深圳华强电子有限公司\",\"city\":\"深圳\"}");
    snprintf(json, sizeof json,
             "{\"family_name\":\"王\",\"given_name\":\"小明\",\"company_id\":\"%s\","
             "\"phones\":[\"13812345678\"],\"emails\":[\"XiaoMing@Example.com\"],"
             "\"tags\":[\"客户/VIP\"],\"external_ids\":{\"erp\":\"C-0001\"}}",
             company);
    create_customer(person, db, json);
    CHECK(strcmp(company, person) != 0);
    CHECK(count_customers(db) == 2);

    /* Read back: derived display name, normalised contact points, tags, ids. */
    CHECK_OK(crm_customer_get(&out, db, person));
    CHECK(strstr(out, "\"display_name\":\"王小明\"") != NULL);
    CHECK(strstr(out, "\"normalized\":\"XiaoMing@example.com\"") != NULL); /* the domain is case-blind */
    CHECK(strstr(out, "13812345678") != NULL);
    CHECK(strstr(out, "客户/VIP") != NULL);
    CHECK(strstr(out, "\"erp\":\"C-0001\"") != NULL);
    crm_free(out);

    /* Invalid input: bad JSON, not an object, unknown field, bad value. */
    out = POISON;
    CHECK_STATUS(CRM_EINVAL, crm_customer_create(&out, db, "{\"display_name\": \"unterminated"));
    CHECK(out == NULL);
    out = POISON;
    CHECK_STATUS(CRM_EINVAL, crm_customer_create(&out, db, "[1, 2, 3]"));
    CHECK(out == NULL);
    out = POISON;
    CHECK_STATUS(CRM_EINVAL, crm_customer_create(&out, db, "{\"display_name\":\"x\",\"shoe_size\":44}"));
    CHECK(out == NULL);
    CHECK(strstr(crm_errmsg(), "shoe_size") != NULL);
    out = POISON;
    CHECK_STATUS(CRM_EINVAL, crm_customer_create(&out, db, "{\"display_name\":\"x\",\"gender\":\"walrus\"}"));
    CHECK(strstr(crm_errmsg(), "gender") != NULL);
    CHECK(out == NULL);
    out = POISON;
    CHECK_STATUS(CRM_EINVAL, crm_customer_create(&out, db, "{}"));
    CHECK(strstr(crm_errmsg(), "display_name") != NULL);
    CHECK(out == NULL);
    CHECK(count_customers(db) == 2);

    /* Bad ids are CRM_EINVAL; well-formed ids of nothing are CRM_ENOTFOUND. */
    out = POISON;
    CHECK_STATUS(CRM_EINVAL, crm_customer_get(&out, db, "not-a-uuid"));
    CHECK(names_word(crm_errmsg(), "id"));
    CHECK(out == NULL);
    out = POISON;
    CHECK_STATUS(CRM_ENOTFOUND, crm_customer_get(&out, db, kNoSuchId));
    CHECK(out == NULL);
    out = POISON;
    CHECK_STATUS(CRM_ENOTFOUND, crm_customer_view(&out, db, kNoSuchId));
    CHECK(out == NULL);
    CHECK_STATUS(CRM_EINVAL, crm_customer_update(db, "42", "{\"city\":\"x\"}"));
    CHECK_STATUS(CRM_ENOTFOUND, crm_customer_update(db, kNoSuchId, "{\"city\":\"x\"}"));
    CHECK_STATUS(CRM_EINVAL, crm_customer_delete(db, ""));
    CHECK_STATUS(CRM_ENOTFOUND, crm_customer_delete(db, kNoSuchId));

    /* Partial update: set, then clear with null; unknown fields are refused. */
    CHECK_OK(crm_customer_update(db, person, "{\"city\":\"广州\",\"stage\":\"customer\"}"));
    CHECK_OK(crm_customer_get(&out, db, person));
    CHECK(strstr(out, "\"city\":\"广州\"") != NULL);
    CHECK(strstr(out, "\"display_name\":\"王小明\"") != NULL);
    crm_free(out);
    CHECK_OK(crm_customer_update(db, person, "{\"city\":null}"));
    CHECK_OK(crm_customer_get(&out, db, person));
    CHECK(strstr(out, "\"city\"") == NULL);
    crm_free(out);
    CHECK_STATUS(CRM_EINVAL, crm_customer_update(db, person, "{\"shoe_size\":44}"));
    CHECK(strstr(crm_errmsg(), "shoe_size") != NULL);
    CHECK_STATUS(CRM_EINVAL, crm_customer_update(db, person, "not json"));

    /* External ids: found by (system, id), unique per system. */
    CHECK_OK(crm_customer_find_external(&out, db, "erp", "C-0001"));
    CHECK(strcmp(out, person) == 0);
    crm_free(out);
    out = POISON;
    CHECK_STATUS(CRM_ENOTFOUND, crm_customer_find_external(&out, db, "erp", "C-9999"));
    CHECK(out == NULL);
    out = POISON;
    CHECK_STATUS(CRM_ENOTFOUND, crm_customer_find_external(&out, db, "shop", "C-0001"));
    CHECK(out == NULL);
    out = POISON;
    CHECK_STATUS(CRM_EEXISTS,
                 crm_customer_create(&out, db, "{\"display_name\":\"李雷\",\"external_ids\":{\"erp\":\"C-0001\"}}"));
    CHECK(strstr(crm_errmsg(), "C-0001") != NULL);
    CHECK(out == NULL);
    CHECK(count_customers(db) == 2); /* the failed create left nothing behind */
    create_customer(other, db, "{\"display_name\":\"李雷\",\"external_ids\":{\"erp\":\"C-0002\"}}");
    CHECK_STATUS(CRM_EEXISTS, crm_customer_update(db, other, "{\"external_ids\":{\"erp\":\"C-0001\"}}"));
    CHECK_OK(crm_customer_find_external(&out, db, "erp", "C-0002"));
    CHECK(strcmp(out, other) == 0);
    crm_free(out);

    /* Counting with a filter. */
    CHECK_OK(crm_customer_count(&n, db, "{\"kind\":\"company\"}"));
    CHECK(n == 1);
    CHECK_OK(crm_customer_count(&n, db, "{}"));
    CHECK(n == 3);
    n = 42;
    CHECK_STATUS(CRM_EINVAL, crm_customer_count(&n, db, "{\"shoe_size\":44}"));
    CHECK(n == 0);

    /* Delete: gone from get and count, and its external id is free again. */
    CHECK_OK(crm_customer_delete(db, other));
    CHECK_STATUS(CRM_ENOTFOUND, crm_customer_get(&out, db, other));
    CHECK_STATUS(CRM_ENOTFOUND, crm_customer_delete(db, other));
    CHECK(count_customers(db) == 2);
    CHECK_STATUS(CRM_ENOTFOUND, crm_customer_find_external(&out, db, "erp", "C-0002"));
    crm_close(db);
}

/* ------------------------------------------------- interactions and the view */

static void test_interactions_and_view(void) {
    crm_db* db = open_db("interactions.db");
    char person[37], call[37], order[37];
    char json[1024];
    char* out = POISON;
    crm_cursor* cur = POISON;
    int found = 0;

    create_customer(person, db, "{\"display_name\":\"陈静\",\"phones\":[\"+86 139 0000 1111\"]}");

    snprintf(json, sizeof json,
             "{\"customer_id\":\"%s\",\"kind\":\"call\",\"direction\":\"inbound\","
             "\"occurred_at\":\"2026-03-01T10:00:00+08:00\",\"subject\":\"询问报价\"}",
             person);
    CHECK_OK(crm_interaction_add(&out, db, json));
    snprintf(call, sizeof call, "%s", out);
    crm_free(out);
    snprintf(json, sizeof json,
             "{\"customer_id\":\"%s\",\"kind\":\"order\",\"currency\":\"CNY\","
             "\"occurred_at\":\"2026-03-02T10:00:00Z\","
             "\"items\":[{\"product\":\"路由器\",\"quantity\":2,\"unit_price_minor\":19900},"
             "{\"product\":\"网线\",\"quantity\":5,\"unit_price_minor\":1000}]}",
             person);
    CHECK_OK(crm_interaction_add(&out, db, json));
    snprintf(order, sizeof order, "%s", out);
    crm_free(out);

    /* The order's amount is derived from its line items; times come back in UTC. */
    CHECK_OK(crm_interaction_get(&out, db, order));
    CHECK(json_int(out, "amount_minor") == 2 * 19900 + 5 * 1000);
    CHECK(strstr(out, "\"currency\":\"CNY\"") != NULL);
    crm_free(out);
    CHECK_OK(crm_interaction_get(&out, db, call));
    CHECK(strstr(out, "\"occurred_at\":\"2026-03-01T02:00:00.000Z\"") != NULL);
    crm_free(out);

    /* Error paths. */
    out = POISON;
    CHECK_STATUS(CRM_EINVAL, crm_interaction_add(&out, db, "{\"kind\":\"call\"}")); /* no customer */
    CHECK(strstr(crm_errmsg(), "customer_id") != NULL);
    CHECK(out == NULL);
    snprintf(json, sizeof json, "{\"customer_id\":\"%s\",\"kind\":\"call\"}", kNoSuchId);
    out = POISON;
    CHECK_STATUS(CRM_ENOTFOUND, crm_interaction_add(&out, db, json));
    CHECK(out == NULL);
    snprintf(json, sizeof json, "{\"customer_id\":\"%s\",\"kind\":\"Call Me\"}", person);
    CHECK_STATUS(CRM_EINVAL, crm_interaction_add(&out, db, json));
    CHECK(strstr(crm_errmsg(), "kind") != NULL);
    snprintf(json, sizeof json, "{\"customer_id\":\"%s\",\"kind\":\"call\",\"mood\":\"happy\"}", person);
    CHECK_STATUS(CRM_EINVAL, crm_interaction_add(&out, db, json));
    CHECK(strstr(crm_errmsg(), "mood") != NULL);
    CHECK_STATUS(CRM_EINVAL, crm_interaction_add(&out, db, "{\"customer_id\":"));
    out = POISON;
    CHECK_STATUS(CRM_EINVAL, crm_interaction_get(&out, db, "nope"));
    CHECK(out == NULL);
    out = POISON;
    CHECK_STATUS(CRM_ENOTFOUND, crm_interaction_get(&out, db, kNoSuchId));
    CHECK(out == NULL);
    CHECK_STATUS(CRM_ENOTFOUND, crm_interaction_update(db, kNoSuchId, "{\"subject\":\"x\"}"));
    CHECK_STATUS(CRM_ENOTFOUND, crm_interaction_delete(db, kNoSuchId));
    CHECK_STATUS(CRM_EINVAL, crm_interaction_delete(db, "nope"));

    /* Partial update; the customer of an interaction cannot change. */
    CHECK_OK(crm_interaction_update(db, call, "{\"subject\":\"询问报价（已回电）\"}"));
    CHECK_OK(crm_interaction_get(&out, db, call));
    CHECK(strstr(out, "已回电") != NULL);
    crm_free(out);
    snprintf(json, sizeof json, "{\"customer_id\":\"%s\"}", kNoSuchId);
    CHECK_STATUS(CRM_EINVAL, crm_interaction_update(db, call, json));
    CHECK(strstr(crm_errmsg(), "customer_id") != NULL);

    /* The 360-degree view. */
    CHECK_OK(crm_customer_view(&out, db, person));
    CHECK(strstr(out, "\"profile\"") != NULL);
    CHECK(strstr(out, "\"order_totals\"") != NULL);
    CHECK(strstr(out, "\"amount_minor\":44800") != NULL);
    CHECK(strstr(out, "\"call\":1") != NULL);
    CHECK(strstr(out, "\"order\":1") != NULL);
    crm_free(out);

    /* The timeline: newest first, filtered by kind, bad queries refused. */
    snprintf(json, sizeof json, "{\"customer_id\":\"%s\"}", person);
    CHECK_OK(crm_timeline(&cur, db, json));
    {
        const char* row = NULL;
        CHECK_STATUS(CRM_ROW, crm_cursor_next(&row, cur));
        CHECK(strstr(row, order) != NULL); /* 2 March before 1 March */
        CHECK_STATUS(CRM_ROW, crm_cursor_next(&row, cur));
        CHECK(strstr(row, call) != NULL);
        CHECK_STATUS(CRM_DONE, crm_cursor_next(&row, cur));
        CHECK(row == NULL);
    }
    crm_cursor_free(cur);
    snprintf(json, sizeof json, "{\"customer_id\":\"%s\",\"kinds\":[\"order\"]}", person);
    CHECK_OK(crm_timeline(&cur, db, json));
    CHECK(drain(cur, order, &found) == 1 && found);
    crm_cursor_free(cur);
    cur = POISON;
    CHECK_STATUS(CRM_EINVAL, crm_timeline(&cur, db, "{\"customer_id\":\"x\"}"));
    CHECK(cur == NULL);
    cur = POISON;
    snprintf(json, sizeof json, "{\"customer_id\":\"%s\",\"colour\":\"red\"}", person);
    CHECK_STATUS(CRM_EINVAL, crm_timeline(&cur, db, json));
    CHECK(strstr(crm_errmsg(), "colour") != NULL);
    CHECK(cur == NULL);

    /* Delete. */
    CHECK_OK(crm_interaction_delete(db, call));
    CHECK_STATUS(CRM_ENOTFOUND, crm_interaction_get(&out, db, call));
    snprintf(json, sizeof json, "{\"customer_id\":\"%s\"}", person);
    CHECK_OK(crm_timeline(&cur, db, json));
    CHECK(drain(cur, NULL, NULL) == 1);
    crm_cursor_free(cur);
    crm_close(db);
}

/* ---------------------------------------------------------------------- tags */

static void test_tags(void) {
    crm_db* db = open_db("tags.db");
    char person[37];
    char* id1 = NULL;
    char* id2 = NULL;
    char* out = POISON;
    int64_t n = -1;

    create_customer(person, db, "{\"display_name\":\"赵敏\"}");

    /* Idempotent: the id is derived from the path. */
    CHECK_OK(crm_tag_create(&id1, db, "{\"path\":\"行业/制造/汽车\",\"kind\":\"value\"}"));
    CHECK_OK(crm_tag_create(&id2, db, "{\"path\":\"行业/制造/汽车\",\"kind\":\"value\"}"));
    CHECK(strcmp(id1, id2) == 0);
    crm_free(id1);
    crm_free(id2);

    out = POISON;
    CHECK_STATUS(CRM_EINVAL, crm_tag_create(&out, db, "{\"path\":\"a/b/c/d\"}")); /* four levels */
    CHECK(out == NULL);
    out = POISON;
    CHECK_STATUS(CRM_EINVAL, crm_tag_create(&out, db, "{\"path\":\"a\",\"kind\":\"magic\"}"));
    CHECK(out == NULL);
    out = POISON;
    CHECK_STATUS(CRM_EINVAL, crm_tag_create(&out, db, "{\"path\":\"a//b\"}"));
    CHECK(out == NULL);
    out = POISON;
    CHECK_STATUS(CRM_EINVAL, crm_tag_create(&out, db, "{\"name\":\"a\"}"));
    CHECK(out == NULL);

    /* Ancestors exist; assignment counts. */
    CHECK_OK(crm_tag_assign(db, person, "行业/制造/汽车"));
    CHECK_OK(crm_tag_assign(db, person, "行业/制造/汽车")); /* twice is harmless */
    CHECK_OK(crm_tag_assign(db, person, "来源/展会"));      /* created on the fly */
    CHECK_OK(crm_tag_list(&out, db));
    CHECK(out[0] == '[');
    CHECK(strstr(out, "\"path\":\"行业\"") != NULL);
    CHECK(strstr(out, "\"path\":\"行业/制造\"") != NULL);
    CHECK(strstr(out, "\"path\":\"来源/展会\"") != NULL);
    crm_free(out);
    CHECK_OK(crm_customer_count(&n, db, "{\"tags_any\":[\"行业\"]}"));
    CHECK(n == 1);

    CHECK_STATUS(CRM_ENOTFOUND, crm_tag_assign(db, kNoSuchId, "行业"));
    CHECK_STATUS(CRM_EINVAL, crm_tag_assign(db, "nope", "行业"));
    CHECK_STATUS(CRM_EINVAL, crm_tag_assign(db, person, "a/b/c/d"));

    CHECK_OK(crm_tag_unassign(db, person, "行业/制造/汽车"));
    CHECK_OK(crm_customer_count(&n, db, "{\"tags_any\":[\"行业\"]}"));
    CHECK(n == 0);

    /* A tag with children cannot go; leaves can; unknown paths are not found. */
    CHECK_STATUS(CRM_EINVAL, crm_tag_delete(db, "行业"));
    CHECK_OK(crm_tag_delete(db, "行业/制造/汽车"));
    CHECK_OK(crm_tag_delete(db, "行业/制造"));
    CHECK_OK(crm_tag_delete(db, "行业"));
    CHECK_STATUS(CRM_ENOTFOUND, crm_tag_delete(db, "行业"));
    CHECK_OK(crm_tag_list(&out, db));
    CHECK(strstr(out, "行业") == NULL);
    crm_free(out);
    crm_close(db);
}

/* ----------------------------------------------------- cursors and pagination */

static void test_cursor_pagination(void) {
    static const char* const names[] = {"赵一", "钱二", "孙三", "李四", "周五"};
    /* Sorted by pinyin: li si, qian er, sun san, zhao yi, zhou wu. */
    static const char* const sorted[] = {"李四", "钱二", "孙三", "赵一", "周五"};
    crm_db* db = open_db("cursor.db");
    crm_cursor* cur = NULL;
    const char* row = NULL;
    char* token = POISON;
    char json[1200], id[37], name[64];
    int seen = 0, page;
    size_t i;

    for (i = 0; i < 5; ++i) {
        snprintf(json, sizeof json, "{\"display_name\":\"%s\"}", names[i]);
        create_customer(id, db, json);
    }

    /* No row read yet: no token. */
    CHECK_OK(crm_customer_query(&cur, db, "{\"sort\":\"name\",\"limit\":2}"));
    CHECK_OK(crm_cursor_token(&token, cur));
    CHECK(token == NULL);

    /* Pages of two, each resumed from the previous page's token. */
    for (page = 0; page < 3; ++page) {
        int in_page = 0;
        crm_status st;
        while ((st = crm_cursor_next(&row, cur)) == CRM_ROW) {
            CHECK(seen < 5);
            CHECK(json_str(name, sizeof name, row, "display_name"));
            CHECK(strcmp(name, sorted[seen]) == 0);
            ++seen;
            ++in_page;
        }
        CHECK_STATUS(CRM_DONE, st);
        CHECK(row == NULL);
        CHECK_STATUS(CRM_DONE, crm_cursor_next(&row, cur)); /* stays done */
        CHECK(in_page == (page < 2 ? 2 : 1));
        CHECK_OK(crm_cursor_token(&token, cur));
        CHECK(token != NULL && token[0] != '\0' && strchr(token, '"') == NULL && strchr(token, '\\') == NULL);
        crm_cursor_free(cur);
        cur = NULL;
        snprintf(json, sizeof json, "{\"sort\":\"name\",\"limit\":2,\"after\":\"%s\"}", token);
        crm_free(token);
        token = NULL;
        CHECK_OK(crm_customer_query(&cur, db, json));
    }
    CHECK(seen == 5);
    /* After the last page the resumed query is empty. */
    CHECK_STATUS(CRM_DONE, crm_cursor_next(&row, cur));
    crm_cursor_free(cur);

    /* Descending order starts at the other end. */
    CHECK_OK(crm_customer_query(&cur, db, "{\"sort\":\"name\",\"order\":\"desc\",\"limit\":1}"));
    CHECK_STATUS(CRM_ROW, crm_cursor_next(&row, cur));
    CHECK(strstr(row, "周五") != NULL);
    crm_cursor_free(cur);

    /* Bad queries. */
    cur = POISON;
    CHECK_STATUS(CRM_EINVAL, crm_customer_query(&cur, db, "{\"after\":\"garbage\"}"));
    CHECK(strstr(crm_errmsg(), "after") != NULL);
    CHECK(cur == NULL);
    cur = POISON;
    CHECK_STATUS(CRM_EINVAL, crm_customer_query(&cur, db, "{\"sort\":\"shoe_size\"}"));
    CHECK(cur == NULL);
    cur = POISON;
    CHECK_STATUS(CRM_EINVAL, crm_customer_query(&cur, db, "{\"limit\":0}"));
    CHECK(cur == NULL);
    cur = POISON;
    CHECK_STATUS(CRM_EINVAL, crm_customer_query(&cur, db, "{\"colour\":\"red\"}"));
    CHECK(strstr(crm_errmsg(), "colour") != NULL);
    CHECK(cur == NULL);
    cur = POISON;
    CHECK_STATUS(CRM_EINVAL, crm_customer_query(&cur, db, "{\"filter\":"));
    CHECK(cur == NULL);
    crm_close(db);
}

/* ------------------------------------------------------------------- search */

static void test_search(void) {
    crm_db* db = open_db("search.db");
    char ming[37], nana[37], smith[37];
    char json[512];
    crm_cursor* cur = NULL;
    int found = 0;

    create_customer(ming, db, "{\"display_name\":\"王小明\",\"phones\":[\"13812345678\"]}");
    create_customer(nana, db, "{\"display_name\":\"欧阳娜娜\",\"city\":\"北京\"}");
    create_customer(smith, db, "{\"display_name\":\"John Smithson\",\"emails\":[\"john@example.org\"]}");
    snprintf(json, sizeof json, "{\"customer_id\":\"%s\",\"kind\":\"note\",\"body\":\"客户要求下周二上门安装\"}", nana);
    {
        char* iid = NULL;
        CHECK_OK(crm_interaction_add(&iid, db, json));
        crm_free(iid);
    }

    /* Chinese substrings: two characters inside a name, and one character. */
    CHECK_OK(crm_search(&cur, db, "{\"q\":\"小明\"}"));
    CHECK(drain(cur, ming, &found) >= 1 && found);
    crm_cursor_free(cur);
    CHECK_OK(crm_search(&cur, db, "{\"q\":\"阳娜\",\"in\":\"customers\"}"));
    CHECK(drain(cur, nana, &found) == 1 && found);
    crm_cursor_free(cur);
    CHECK_OK(crm_search(&cur, db, "{\"q\":\"明\"}"));
    CHECK(drain(cur, ming, &found) >= 1 && found);
    crm_cursor_free(cur);
    /* Pinyin of a Chinese name, a Latin prefix, a phone's last digits. */
    CHECK_OK(crm_search(&cur, db, "{\"q\":\"wangxiaoming\"}"));
    CHECK(drain(cur, ming, &found) >= 1 && found);
    crm_cursor_free(cur);
    CHECK_OK(crm_search(&cur, db, "{\"q\":\"Smith\"}"));
    CHECK(drain(cur, smith, &found) >= 1 && found);
    crm_cursor_free(cur);
    CHECK_OK(crm_search(&cur, db, "{\"q\":\"5678\"}"));
    CHECK(drain(cur, ming, &found) >= 1 && found);
    crm_cursor_free(cur);
    /* Interaction text, with the row naming its customer. */
    CHECK_OK(crm_search(&cur, db, "{\"q\":\"上门安装\",\"in\":\"interactions\"}"));
    CHECK(drain(cur, nana, &found) == 1 && found);
    crm_cursor_free(cur);
    /* No match: CRM_DONE at once. */
    CHECK_OK(crm_search(&cur, db, "{\"q\":\"不存在的名字\"}"));
    CHECK(drain(cur, NULL, NULL) == 0);
    crm_cursor_free(cur);

    cur = POISON;
    CHECK_STATUS(CRM_EINVAL, crm_search(&cur, db, "{}"));
    CHECK(strstr(crm_errmsg(), "q") != NULL);
    CHECK(cur == NULL);
    cur = POISON;
    CHECK_STATUS(CRM_EINVAL, crm_search(&cur, db, "{\"q\":\"x\",\"in\":\"everything\"}"));
    CHECK(cur == NULL);
    cur = POISON;
    CHECK_STATUS(CRM_EINVAL, crm_search(&cur, db, "{\"q\":\"x\",\"fuzzy\":true}"));
    CHECK(cur == NULL);
    cur = POISON;
    CHECK_STATUS(CRM_EINVAL, crm_search(&cur, db, "小明"));
    CHECK(cur == NULL);
    crm_close(db);
}

/* -------------------------------------------------------------- transactions */

static void test_transactions(void) {
    char path[600];
    crm_db* db = open_db("txn.db");
    crm_db* second = NULL;
    crm_options* opts = NULL;
    char kept[37], undone[37], doomed[37];
    char* out = NULL;

    /* Misuse: commit / rollback without begin, nested begin. */
    CHECK_STATUS(CRM_EMISUSE, crm_commit(db));
    CHECK_STATUS(CRM_EMISUSE, crm_rollback(db));
    CHECK_OK(crm_begin(db));
    CHECK_STATUS(CRM_EMISUSE, crm_begin(db));
    CHECK_OK(crm_db_info(&out, db));
    CHECK(strstr(out, "\"in_transaction\":true") != NULL); /* the failed begin kept the first */
    crm_free(out);

    /* Rollback discards every call made inside. */
    create_customer(undone, db, "{\"display_name\":\"回滚客户\"}");
    CHECK_OK(crm_tag_assign(db, undone, "临时"));
    CHECK(count_customers(db) == 1); /* visible inside the transaction */
    CHECK_OK(crm_rollback(db));
    CHECK(count_customers(db) == 0);
    CHECK_STATUS(CRM_ENOTFOUND, crm_customer_get(&out, db, undone));
    CHECK_OK(crm_tag_list(&out, db));
    CHECK(strstr(out, "临时") == NULL);
    crm_free(out);

    /* Commit keeps them; a failed call inside does not spoil the transaction. */
    CHECK_OK(crm_begin(db));
    create_customer(kept, db, "{\"display_name\":\"提交客户\",\"external_ids\":{\"erp\":\"T1\"}}");
    CHECK_STATUS(CRM_EEXISTS,
                 crm_customer_create(&out, db, "{\"display_name\":\"冲突\",\"external_ids\":{\"erp\":\"T1\"}}"));
    CHECK_STATUS(CRM_EINVAL, crm_customer_create(&out, db, "{\"bogus\":1}"));
    CHECK_OK(crm_commit(db));
    CHECK(count_customers(db) == 1);
    CHECK_OK(crm_customer_get(&out, db, kept));
    crm_free(out);
    CHECK_STATUS(CRM_EMISUSE, crm_commit(db));

    /* Closing a handle with an open transaction rolls it back. */
    CHECK_OK(crm_open(&second, path_in_dir(path, sizeof path, "txn.db"), NULL));
    CHECK_OK(crm_begin(second));
    create_customer(doomed, second, "{\"display_name\":\"未提交\"}");
    crm_close(second);
    CHECK(count_customers(db) == 1);
    CHECK_STATUS(CRM_ENOTFOUND, crm_customer_get(&out, db, doomed));

    /* A second handle cannot write while the first holds a transaction:
     * CRM_EBUSY, with SQLite's own code beside it. */
    CHECK_OK(crm_options_new(&opts));
    CHECK_OK(crm_options_set_busy_timeout(opts, 0));
    CHECK_OK(crm_open(&second, path, opts));
    crm_options_free(opts);
    CHECK_OK(crm_begin(db));
    out = POISON;
    CHECK_STATUS(CRM_EBUSY, crm_customer_create(&out, second, "{\"display_name\":\"排队\"}"));
    CHECK(out == NULL);
    CHECK((crm_errcode_sqlite() & 0xFF) == 5); /* SQLITE_BUSY */
    CHECK_STATUS(CRM_EBUSY, crm_begin(second));
    CHECK_OK(crm_rollback(db));
    /* A success clears the error state, including the SQLite code. */
    CHECK_OK(crm_customer_create(&out, second, "{\"display_name\":\"排队\"}"));
    CHECK(crm_errcode_sqlite() == 0);
    crm_free(out);
    crm_close(second);
    crm_close(db);
}

/* ------------------------------------------------------------------ read-only */

static void test_readonly(void) {
    char path[600], export_path[600];
    crm_db* rw = open_db("readonly.db");
    crm_db* ro = NULL;
    crm_options* opts = NULL;
    char id[37];
    char* out = POISON;
    crm_cursor* cur = NULL;
    int64_t n = 0;

    create_customer(id, rw, "{\"display_name\":\"只读客户\"}");
    crm_close(rw);

    CHECK_OK(crm_options_new(&opts));
    CHECK_OK(crm_options_set_readonly(opts, 1));
    CHECK_OK(crm_open(&ro, path_in_dir(path, sizeof path, "readonly.db"), opts));
    crm_options_free(opts);

    /* Reads work. */
    CHECK_OK(crm_customer_get(&out, ro, id));
    crm_free(out);
    CHECK_OK(crm_customer_count(&n, ro, NULL));
    CHECK(n == 1);
    CHECK_OK(crm_search(&cur, ro, "{\"q\":\"只读\"}"));
    CHECK(drain(cur, id, NULL) == 1);
    crm_cursor_free(cur);
    CHECK_OK(crm_db_info(&out, ro));
    CHECK(strstr(out, "\"readonly\":true") != NULL);
    crm_free(out);

    /* Every kind of write is refused with CRM_EPERM. */
    out = POISON;
    CHECK_STATUS(CRM_EPERM, crm_customer_create(&out, ro, "{\"display_name\":\"x\"}"));
    CHECK(out == NULL);
    CHECK_STATUS(CRM_EPERM, crm_customer_update(ro, id, "{\"city\":\"上海\"}"));
    CHECK_STATUS(CRM_EPERM, crm_customer_delete(ro, id));
    out = POISON;
    {
        char json[256];
        snprintf(json, sizeof json, "{\"customer_id\":\"%s\",\"kind\":\"call\"}", id);
        CHECK_STATUS(CRM_EPERM, crm_interaction_add(&out, ro, json));
        CHECK(out == NULL);
    }
    out = POISON;
    CHECK_STATUS(CRM_EPERM, crm_tag_create(&out, ro, "{\"path\":\"x\"}"));
    CHECK(out == NULL);
    CHECK_STATUS(CRM_EPERM, crm_tag_assign(ro, id, "x"));
    CHECK_STATUS(CRM_EPERM, crm_begin(ro));
    {
        /* An import is a write too, refused before the file is even read. */
        static const char line[] = "{\"display_name\":\"导入\"}\n";
        char import_path[600];
        write_file(path_in_dir(import_path, sizeof import_path, "ro_import.jsonl"), line, sizeof line - 1);
        out = POISON;
        CHECK_STATUS(CRM_EPERM, crm_import_file(&out, ro, import_path, NULL));
        CHECK(out == NULL);
    }
    /* An export only reads. */
    CHECK_OK(crm_export_file(&out, ro, "customers", path_in_dir(export_path, sizeof export_path, "ro_export.jsonl")));
    CHECK(json_int(out, "rows") == 1);
    crm_free(out);
    CHECK_OK(crm_customer_count(&n, ro, NULL));
    CHECK(n == 1);
    crm_close(ro);
}

/* ------------------------------------------------------- import and export */

struct progress_state {
    int calls;
    int cancel_at; /* cancel on this call (1-based); 0 = never */
    int64_t last_done;
    int went_backwards;
};

static int on_progress(void* user_data, int64_t done, int64_t total) {
    struct progress_state* s = user_data;
    (void)total;
    ++s->calls;
    if (done < s->last_done) s->went_backwards = 1;
    s->last_done = done;
    return s->cancel_at != 0 && s->calls >= s->cancel_at;
}

static void test_import_export(void) {
    char path[600], data[600], exported[600];
    crm_db* db = open_db("import.db");
    crm_import_options* opts = NULL;
    struct progress_state progress = {0, 0, 0, 0};
    char* report = POISON;
    char* text;
    FILE* f;
    size_t size = 0;
    int i, lines = 0;
    int64_t n = 0;

    /* Option values are validated where they are set. */
    CHECK_OK(crm_import_options_new(&opts));
    CHECK_STATUS(CRM_EINVAL, crm_import_options_set_format(opts, "xlsx"));
    CHECK(strstr(crm_errmsg(), "format") != NULL);
    CHECK_STATUS(CRM_EINVAL, crm_import_options_set_records(opts, "orders"));
    CHECK(strstr(crm_errmsg(), "records") != NULL);
    CHECK_STATUS(CRM_EINVAL, crm_import_options_set_batch_size(opts, 0));
    CHECK_STATUS(CRM_EINVAL, crm_import_options_set_batch_size(opts, 1000001));
    CHECK_STATUS(CRM_EINVAL, crm_import_options_set_mapping(opts, "{\"Name\":"));
    CHECK_STATUS(CRM_EINVAL, crm_import_options_set_mapping(opts, "{\"Name\":42}"));
    CHECK_STATUS(CRM_EINVAL, crm_import_options_set_system(opts,
                                                           "a-system-name-that-is-much-longer-than-sixty-four-bytes-"
                                                           "which-is-the-limit"));
    CHECK_OK(crm_import_options_set_format(opts, "jsonl"));
    CHECK_OK(crm_import_options_set_records(opts, "customers"));
    CHECK_OK(crm_import_options_set_system(opts, "erp"));
    CHECK_OK(crm_import_options_set_mapping(opts, "{}"));
    CHECK_OK(crm_import_options_set_batch_size(opts, 5));
    CHECK_OK(crm_import_options_set_progress(opts, NULL, NULL)); /* no callback */
    crm_import_options_free(opts);

    /* 20 customers as JSON Lines. */
    path_in_dir(data, sizeof data, "customers.jsonl");
    f = fopen(data, "wb");
    CHECK(f != NULL);
    for (i = 0; i < 20; ++i) fprintf(f, "{\"display_name\":\"导入客户%02d\",\"city\":\"杭州\"}\n", i);
    fclose(f);

    /* A progress callback that cancels: CRM_ECANCELED, nothing imported. */
    CHECK_OK(crm_import_options_new(&opts));
    CHECK_OK(crm_import_options_set_batch_size(opts, 5));
    progress.cancel_at = 2;
    CHECK_OK(crm_import_options_set_progress(opts, on_progress, &progress));
    CHECK_STATUS(CRM_ECANCELED, crm_import_file(&report, db, data, opts));
    CHECK(report == NULL);
    CHECK(progress.calls >= 1);
    CHECK(count_customers(db) == 0);

    /* Cancelling on the very first report works too. */
    progress.calls = 0;
    progress.cancel_at = 1;
    progress.last_done = 0;
    report = POISON;
    CHECK_STATUS(CRM_ECANCELED, crm_import_file(&report, db, data, opts));
    CHECK(report == NULL);
    CHECK(progress.calls == 1);
    CHECK(count_customers(db) == 0);

    /* Let it run: every row lands, progress never goes backwards. */
    progress.calls = 0;
    progress.cancel_at = 0;
    progress.last_done = 0;
    CHECK_OK(crm_import_file(&report, db, data, opts));
    CHECK(report != NULL);
    CHECK(json_int(report, "rows") == 20);
    CHECK(json_int(report, "inserted") == 20);
    CHECK(json_int(report, "failed") == 0);
    crm_free(report);
    CHECK(progress.calls >= 1 && !progress.went_backwards);
    CHECK(progress.last_done == 20);
    CHECK(count_customers(db) == 20);
    crm_import_options_free(opts);

    /* Bad rows are skipped and reported; good rows land (default options). */
    path_in_dir(path, sizeof path, "mixed.jsonl");
    {
        static const char mixed[] = "{\"display_name\":\"好行\"}\n"
                                    "{\"display_name\":\"坏行\",\"shoe_size\":44}\n"
                                    "not json at all\n"
                                    "{\"display_name\":\"又一好行\"}\n";
        write_file(path, mixed, sizeof mixed - 1);
    }
    CHECK_OK(crm_import_file(&report, db, path, NULL));
    CHECK(json_int(report, "inserted") == 2);
    CHECK(json_int(report, "failed") == 2);
    CHECK(strstr(report, "\"errors\"") != NULL);
    CHECK(strstr(report, "shoe_size") != NULL);
    crm_free(report);
    CHECK(count_customers(db) == 22);

    /* A missing file fails, naming the file. */
    report = POISON;
    CHECK_STATUS(CRM_ENOTFOUND, crm_import_file(&report, db, path_in_dir(path, sizeof path, "absent.jsonl"), NULL));
    CHECK(strstr(crm_errmsg(), "absent.jsonl") != NULL);
    CHECK(report == NULL);

    /* Export: one JSON object per line. */
    CHECK_OK(crm_export_file(&report, db, "customers", path_in_dir(exported, sizeof exported, "export.jsonl")));
    CHECK(json_int(report, "rows") == 22);
    crm_free(report);
    text = read_file(exported, &size);
    for (i = 0; (size_t)i < size; ++i) lines += text[i] == '\n';
    CHECK(lines == 22);
    CHECK(text[0] == '{');
    CHECK(strstr(text, "导入客户07") != NULL);
    free(text);
    CHECK_OK(crm_export_file(&report, db, "interactions", path_in_dir(path, sizeof path, "none.jsonl")));
    CHECK(json_int(report, "rows") == 0);
    crm_free(report);
    report = POISON;
    CHECK_STATUS(CRM_EINVAL, crm_export_file(&report, db, "orders", exported));
    CHECK(report == NULL);

    /* The export imports back into another database with the same contents. */
    {
        crm_db* copy = open_db("import_copy.db");
        CHECK_OK(crm_import_file(&report, copy, exported, NULL));
        CHECK(json_int(report, "failed") == 0);
        crm_free(report);
        CHECK_OK(crm_customer_count(&n, copy, NULL));
        CHECK(n == 22);
        crm_close(copy);
    }
    crm_close(db);
}

/* ---------------------------------------------------------------- teardown */

/* Removes the scratch directory (flat: the tests make no subdirectories). */
static void remove_scratch_dir(void) {
    DIR* d = opendir(g_dir);
    struct dirent* e;
    char path[900];
    if (d == NULL) return;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        snprintf(path, sizeof path, "%s/%s", g_dir, e->d_name);
        remove(path);
    }
    closedir(d);
    rmdir(g_dir);
}


/* Sync: a changeset from one file applied to another, idempotently; damaged
 * blobs refused; options and argument checks. */
static void test_sync(void) {
    crm_db* a = open_db("sync_a.db");
    crm_db* b = open_db("sync_b.db");
    crm_sync_options* opts = NULL;
    unsigned char* blob = NULL;
    size_t len = 0;
    int64_t cursor = -1;
    int more = -1;
    char* report = POISON;
    char* out = POISON;
    char id[37];

    create_customer(id, a, "{\"display_name\":\"同步客户\",\"city\":\"杭州\",\"phones\":[\"13900001111\"]}");
    CHECK_OK(crm_sync_changes(&blob, &len, &cursor, &more, a, 0, 1000));
    CHECK(blob != NULL);
    CHECK(len > 16);
    CHECK(cursor > 0);
    CHECK(more == 0);

    CHECK_OK(crm_sync_options_new(&opts));
    CHECK_STATUS(CRM_EINVAL, crm_sync_options_set_max_clock_skew_ms(opts, -1));
    CHECK(strstr(crm_errmsg(), "max_clock_skew_ms") != NULL);
    CHECK_OK(crm_sync_options_set_max_clock_skew_ms(opts, 60000));
    CHECK_OK(crm_sync_apply(&report, b, blob, len, opts));
    CHECK(strstr(report, "\"deleted\":0") != NULL);
    crm_free(report);
    CHECK_OK(crm_customer_get(&out, b, id));
    CHECK(strstr(out, "同步客户") != NULL);
    CHECK(strstr(out, "+8613900001111") != NULL);
    crm_free(out);

    /* b now holds a's changes through the cursor. */
    {
        char* info = NULL;
        const char* site;
        char a_site[37];
        int64_t got = -1;
        CHECK_OK(crm_db_info(&info, a));
        site = strstr(info, "\"site_id\":\"");
        CHECK(site != NULL);
        if (site) {
            memcpy(a_site, site + 11, 36);
            a_site[36] = 0;
            CHECK_OK(crm_sync_received(&got, b, a_site));
            CHECK(got == cursor);
            got = -1;
            CHECK_OK(crm_sync_received(&got, a, a_site));
            CHECK(got == 0);
        }
        crm_free(info);
        CHECK_STATUS(CRM_EINVAL, crm_sync_received(&got, b, "not-a-site"));
        CHECK(strstr(crm_errmsg(), "peer_site") != NULL);
        CHECK_NULL_ARG(crm_sync_received(NULL, b, "x"), "out");
    }

    /* Again: nothing new. */
    report = POISON;
    CHECK_OK(crm_sync_apply(&report, b, blob, len, NULL));
    CHECK(strstr(report, "\"fields_applied\":0") != NULL);
    crm_free(report);

    /* The debug rendering names the table and the field. */
    out = POISON;
    CHECK_OK(crm_sync_dump(&out, blob, len));
    CHECK(strstr(out, "\"customers\"") != NULL);
    CHECK(strstr(out, "\"display_name\"") != NULL);
    crm_free(out);

    /* Damaged: refused, nothing applied. */
    blob[len / 2] ^= 0x40;
    report = POISON;
    CHECK_STATUS(CRM_ECORRUPT, crm_sync_apply(&report, b, blob, len, NULL));
    CHECK(report == NULL);
    CHECK_STATUS(CRM_ECORRUPT, crm_sync_apply(&report, b, blob, 3, NULL));
    out = POISON;
    CHECK_STATUS(CRM_ECORRUPT, crm_sync_dump(&out, blob, len));
    CHECK(out == NULL);
    crm_free(blob);

    /* Nothing since the cursor: an empty page, still a valid blob. */
    blob = NULL;
    CHECK_OK(crm_sync_changes(&blob, &len, &cursor, &more, a, cursor, 10));
    CHECK(blob != NULL);
    CHECK(more == 0);
    CHECK_OK(crm_sync_apply(&report, b, blob, len, NULL));
    CHECK(strstr(report, "\"records\":0") != NULL);
    crm_free(report);
    crm_free(blob);

    /* Bad arguments. */
    CHECK_NULL_ARG(crm_sync_changes(NULL, &len, &cursor, &more, a, 0, 10), "out_blob");
    CHECK_NULL_ARG(crm_sync_changes(&blob, &len, &cursor, &more, NULL, 0, 10), "db");
    CHECK_STATUS(CRM_EINVAL, crm_sync_changes(&blob, &len, &cursor, &more, a, 0, 0));
    CHECK(strstr(crm_errmsg(), "max_records") != NULL);
    CHECK_STATUS(CRM_EINVAL, crm_sync_changes(&blob, &len, &cursor, &more, a, -5, 10));
    CHECK(strstr(crm_errmsg(), "since") != NULL);
    CHECK_NULL_ARG(crm_sync_apply(&report, b, NULL, 10, NULL), "blob");
    CHECK_NULL_ARG(crm_sync_dump(NULL, (const unsigned char*)"x", 1), "out_json");
    CHECK_NULL_ARG(crm_sync_options_set_max_clock_skew_ms(NULL, 1), "opts");
    CHECK_NULL_ARG(crm_sync_options_new(NULL), "out");
    crm_sync_options_free(opts);
    crm_sync_options_free(NULL);
    crm_close(a);
    crm_close(b);
}

/* The site id of a database, from crm_db_info. */
static void site_of(char out[37], crm_db* db) {
    char* info = NULL;
    const char* site;
    out[0] = 0;
    CHECK_OK(crm_db_info(&info, db));
    site = info ? strstr(info, "\"site_id\":\"") : NULL;
    CHECK(site != NULL);
    if (site) {
        memcpy(out, site + 11, 36);
        out[36] = 0;
    }
    crm_free(info);
}

/* Filtered sync for a peer, the write scope at a hub, the conflict log and
 * tombstone garbage collection. */
static void test_sync_share(void) {
    crm_db* hub = open_db("share_hub.db");
    crm_db* dev = open_db("share_dev.db");
    crm_sync_options* opts = NULL;
    unsigned char* blob = NULL;
    size_t len = 0;
    int64_t cursor = -1;
    int more = -1;
    char* report = POISON;
    char* out = POISON;
    char mine[37], theirs[37], dev_site[37];

    create_customer(mine, hub, "{\"display_name\":\"张三\",\"owner\":\"alice\"}");
    create_customer(theirs, hub, "{\"display_name\":\"李四\",\"owner\":\"bob\"}");
    site_of(dev_site, dev);
    CHECK_OK(crm_sync_options_new(&opts));
    CHECK_OK(crm_sync_options_set_peer(opts, dev_site));
    CHECK_OK(crm_sync_options_add_share(opts, "owner", "alice"));
    CHECK_STATUS(CRM_EINVAL, crm_sync_options_add_share(opts, "city", "x"));
    CHECK(strstr(crm_errmsg(), "field") != NULL);
    CHECK_STATUS(CRM_EINVAL, crm_sync_options_add_share(opts, "tag", ""));
    CHECK_STATUS(CRM_EINVAL, crm_sync_options_set_peer(opts, "nope"));
    CHECK_STATUS(CRM_EINVAL, crm_sync_options_set_conflict_retention_ms(opts, -1));
    CHECK_OK(crm_sync_options_set_conflict_retention_ms(opts, 86400000));

    CHECK_OK(crm_sync_changes_for(&blob, &len, &cursor, &more, hub, 0, 1000, opts));
    CHECK(more == 0);
    CHECK_OK(crm_sync_apply(&report, dev, blob, len, NULL));
    crm_free(report);
    crm_free(blob);
    CHECK_OK(crm_customer_get(&out, dev, mine));
    crm_free(out);
    out = POISON;
    CHECK_STATUS(CRM_ENOTFOUND, crm_customer_get(&out, dev, theirs));

    /* The device edits its customer; the hub applies it within alice's scope. */
    CHECK_OK(crm_customer_update(dev, mine, "{\"city\":\"杭州\"}"));
    CHECK_OK(crm_customer_update(hub, mine, "{\"city\":\"宁波\"}"));  /* concurrent, later */
    blob = NULL;
    CHECK_OK(crm_sync_changes(&blob, &len, &cursor, &more, dev, 0, 1000));
    report = POISON;
    CHECK_OK(crm_sync_apply(&report, hub, blob, len, opts));
    CHECK(strstr(report, "\"refused\":[]") != NULL);
    CHECK(strstr(report, "\"conflicts\":1") != NULL);
    crm_free(report);
    crm_free(blob);
    out = POISON;
    CHECK_OK(crm_sync_conflicts(&out, hub, mine, 10));
    CHECK(strstr(out, "\"lost\":{\"hlc\"") != NULL || strstr(out, "杭州") != NULL);
    CHECK(strstr(out, "\"field\":\"city\"") != NULL);
    crm_free(out);
    out = POISON;
    CHECK_OK(crm_sync_conflicts(&out, hub, NULL, 10));
    CHECK(strstr(out, "city") != NULL);
    crm_free(out);
    CHECK_STATUS(CRM_EINVAL, crm_sync_conflicts(&out, hub, NULL, 0));
    CHECK(strstr(crm_errmsg(), "limit") != NULL);
    CHECK_STATUS(CRM_EINVAL, crm_sync_conflicts(&out, hub, "bad-id", 5));

    /* Garbage collection: nothing deleted yet, nothing dropped. */
    report = POISON;
    CHECK_OK(crm_sync_gc(&report, hub, 86400000));
    CHECK(strstr(report, "\"tombstones_dropped\":0") != NULL);
    crm_free(report);
    CHECK_STATUS(CRM_EINVAL, crm_sync_gc(&report, hub, -1));
    CHECK(strstr(crm_errmsg(), "retention_ms") != NULL);

    /* A new device from a snapshot of the hub, alice's share only. */
    {
        char snap_path[600];
        crm_db* snap = NULL;
        crm_sync_options* share = NULL;
        int64_t got = -1;
        char hub_site[37];
        path_in_dir(snap_path, sizeof snap_path, "share_snapshot.db");
        CHECK_OK(crm_sync_options_new(&share));
        CHECK_OK(crm_sync_options_add_share(share, "owner", "alice"));
        report = POISON;
        CHECK_OK(crm_sync_snapshot(&report, hub, snap_path, share));
        CHECK(strstr(report, "\"customers\":1") != NULL);
        CHECK(strstr(report, "\"cursor\":") != NULL);
        crm_free(report);
        report = POISON;
        CHECK_STATUS(CRM_EEXISTS, crm_sync_snapshot(&report, hub, snap_path, NULL));
        CHECK(report == NULL);
        CHECK(strstr(crm_errmsg(), "path") != NULL);
        CHECK_NULL_ARG(crm_sync_snapshot(&report, hub, NULL, NULL), "path");
        CHECK_OK(crm_open(&snap, snap_path, NULL));
        out = POISON;
        CHECK_OK(crm_customer_get(&out, snap, mine));
        {
            /* The city the hub settled on (either edit may win: the two clocks
               can share a millisecond) is the snapshot's. */
            char* at_hub = NULL;
            CHECK_OK(crm_customer_get(&at_hub, hub, mine));
            CHECK(strstr(out, "宁波") != NULL || strstr(out, "杭州") != NULL);
            CHECK((strstr(out, "宁波") != NULL) == (strstr(at_hub, "宁波") != NULL));
            crm_free(at_hub);
        }
        crm_free(out);
        out = POISON;
        CHECK_STATUS(CRM_ENOTFOUND, crm_customer_get(&out, snap, theirs));
        site_of(hub_site, hub);
        CHECK_OK(crm_sync_received(&got, snap, hub_site));
        CHECK(got > 0);
        crm_sync_options_free(share);
        crm_close(snap);
    }

    CHECK_NULL_ARG(crm_sync_options_set_peer(NULL, "x"), "opts");
    CHECK_NULL_ARG(crm_sync_options_add_share(opts, NULL, "x"), "field");
    CHECK_NULL_ARG(crm_sync_options_set_conflict_retention_ms(NULL, 1), "opts");
    CHECK_NULL_ARG(crm_sync_changes_for(NULL, &len, &cursor, &more, hub, 0, 10, opts), "out_blob");
    CHECK_NULL_ARG(crm_sync_conflicts(NULL, hub, NULL, 1), "out_json");
    CHECK_NULL_ARG(crm_sync_gc(NULL, hub, 1), "out_report");
    crm_sync_options_free(opts);
    crm_close(hub);
    crm_close(dev);
}

/* A stale device re-baselines from a snapshot of the hub and keeps its work. */
static void test_sync_rebaseline(void) {
    crm_db* hub = open_db("rb_hub.db");
    crm_db* dev = open_db("rb_dev.db");
    crm_db* fresh_db = NULL;
    unsigned char* blob = NULL;
    size_t len = 0;
    int64_t cursor = -1;
    int more = -1;
    char* report = POISON;
    char* out = POISON;
    char kept[37], gone[37], made[37], path[600];
    const struct timespec pause = {0, 5000000};

    create_customer(kept, hub, "{\"display_name\":\"周杰\"}");
    create_customer(gone, hub, "{\"display_name\":\"Gone\"}");
    CHECK_OK(crm_sync_changes(&blob, &len, &cursor, &more, hub, 0, 1000));
    CHECK_OK(crm_sync_apply(&report, dev, blob, len, NULL));
    crm_free(report);
    crm_free(blob);
    /* The device introduces itself to the hub, then goes offline. */
    CHECK_OK(crm_sync_changes(&blob, &len, &cursor, &more, dev, 0, 1000));
    CHECK_OK(crm_sync_apply(&report, hub, blob, len, NULL));
    crm_free(report);
    crm_free(blob);
    CHECK_OK(crm_customer_update(dev, kept, "{\"city\":\"台北\"}"));
    CHECK_OK(crm_customer_update(dev, gone, "{\"city\":\"lost\"}"));
    create_customer(made, dev, "{\"display_name\":\"林志玲\"}");
    CHECK_OK(crm_customer_delete(hub, gone));
    nanosleep(&pause, NULL);
    /* Retention 0: the device is stale and every tombstone goes. */
    report = POISON;
    CHECK_OK(crm_sync_gc(&report, hub, 0));
    CHECK(strstr(report, "\"stale_peers\":1") != NULL);
    crm_free(report);
    CHECK_OK(crm_sync_changes(&blob, &len, &cursor, &more, dev, 0, 1000));
    report = POISON;
    CHECK_STATUS(CRM_ESTALE, crm_sync_apply(&report, hub, blob, len, NULL));
    CHECK(report == NULL);
    crm_free(blob);

    path_in_dir(path, sizeof path, "rb_new.db");
    report = POISON;
    CHECK_OK(crm_sync_rebaseline(&report, dev, hub, path, NULL));
    CHECK(strstr(report, "\"carried\":") != NULL);
    CHECK(strstr(report, gone) != NULL); /* listed as dropped */
    CHECK(strstr(report, "deleted at the hub") != NULL);
    crm_free(report);
    CHECK_OK(crm_open(&fresh_db, path, NULL));
    CHECK_OK(crm_customer_get(&out, fresh_db, kept));
    CHECK(strstr(out, "台北") != NULL);
    crm_free(out);
    out = POISON;
    CHECK_OK(crm_customer_get(&out, fresh_db, made));
    crm_free(out);
    out = POISON;
    CHECK_STATUS(CRM_ENOTFOUND, crm_customer_get(&out, fresh_db, gone));
    /* The new file syncs with the hub again. */
    {
        char fresh_site[37];
        int64_t since = -1;
        site_of(fresh_site, fresh_db);
        CHECK_OK(crm_sync_received(&since, hub, fresh_site));
        CHECK_OK(crm_sync_changes(&blob, &len, &cursor, &more, fresh_db, since, 1000));
        report = POISON;
        CHECK_OK(crm_sync_apply(&report, hub, blob, len, NULL));
        crm_free(report);
        crm_free(blob);
        out = POISON;
        CHECK_OK(crm_customer_get(&out, hub, made));
        crm_free(out);
        out = POISON;
        CHECK_STATUS(CRM_ENOTFOUND, crm_customer_get(&out, hub, gone));
    }
    report = POISON;
    CHECK_STATUS(CRM_EEXISTS, crm_sync_rebaseline(&report, dev, hub, path, NULL));
    CHECK(report == NULL);
    CHECK(strstr(crm_errmsg(), "path") != NULL);
    CHECK_STATUS(CRM_EINVAL, crm_sync_rebaseline(&report, hub, hub, path, NULL));
    CHECK(strstr(crm_errmsg(), "device") != NULL);
    CHECK_NULL_ARG(crm_sync_rebaseline(NULL, dev, hub, path, NULL), "out_report");
    CHECK_NULL_ARG(crm_sync_rebaseline(&report, NULL, hub, path, NULL), "device");
    CHECK_NULL_ARG(crm_sync_rebaseline(&report, dev, NULL, path, NULL), "hub");
    CHECK_NULL_ARG(crm_sync_rebaseline(&report, dev, hub, NULL, NULL), "path");
    crm_close(fresh_db);
    crm_close(dev);
    crm_close(hub);
}

int main(int argc, char** argv) {
    const char* base = argc > 1 ? argv[1] : "/tmp";
    snprintf(g_dir, sizeof g_dir, "%s/crm_abi_XXXXXX", base);
    if (mkdtemp(g_dir) == NULL) {
        perror(g_dir);
        return EXIT_FAILURE;
    }

    test_versions_and_statuses();
    test_null_arguments();
    test_options_and_open();
    test_not_a_database();
    test_too_new();
    test_customers();
    test_interactions_and_view();
    test_tags();
    test_cursor_pagination();
    test_search();
    test_transactions();
    test_readonly();
    test_import_export();
    test_sync();
    test_sync_share();
    test_sync_rebaseline();

    /* The leak oracle: every handle of every kind was released. */
    CHECK(crm_live_handles() == 0);

    remove_scratch_dir();
    printf("c_abi: %ld checks passed (crmlite %s, ABI %d)\n", g_checks, crm_version(), crm_abi_version());
    return EXIT_SUCCESS;
}

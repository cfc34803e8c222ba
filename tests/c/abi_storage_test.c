/*
 * abi_storage_test.c — crmlite_storage.h from plain C11: keys of encrypted
 * databases, online backup, verification and restore, changing the key, with
 * their error paths.
 *
 * Usage: crmlite_abi_storage_test [scratch-dir]   (default /tmp)
 */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */

#include <dirent.h>
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
    fprintf(stderr, "  crm_errmsg(): \"%s\" (crm_errcode_sqlite() = %d)\n", msg, crm_errcode_sqlite());
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
    const int failed = got != CRM_OK;
    ++g_checks;
    if (got != expected) {
        snprintf(detail, sizeof detail, "expected %s, got %s", crm_status_name(expected), crm_status_name(got));
        fail_check(file, line, call, detail);
    }
    if (failed && msg[0] == '\0') fail_check(file, line, call, "failure without a message");
    if (!failed && msg[0] != '\0') fail_check(file, line, call, "crm_errmsg() not \"\" after a success");
}

#define CHECK_STATUS(expected, call) check_status(__FILE__, __LINE__, #call, (expected), (call))
#define CHECK_OK(call) CHECK_STATUS(CRM_OK, call)
/* A NULL argument: CRM_EINVAL with a message naming it. */
#define CHECK_NULL_ARG(call, argname)                                                        \
    do {                                                                                     \
        CHECK_STATUS(CRM_EINVAL, call);                                                      \
        if (strstr(crm_errmsg(), argname) == NULL)                                           \
            fail_check(__FILE__, __LINE__, #call, "the message does not name " argname);     \
    } while (0)

static char g_dir[512];

static const char* in_dir(char* buf, size_t size, const char* name) {
    snprintf(buf, size, "%s/%s", g_dir, name);
    return buf;
}

static int file_exists(const char* path) {
    FILE* f = fopen(path, "rb");
    if (f == NULL) return 0;
    fclose(f);
    return 1;
}

/* 1 when `needle` occurs anywhere in the file's bytes. */
static int file_contains(const char* path, const char* needle) {
    FILE* f = fopen(path, "rb");
    size_t used = 0, cap = 0, got, n = strlen(needle), i;
    char* data = NULL;
    int found = 0;
    CHECK(f != NULL);
    do {
        if (used + 4096 > cap) {
            cap = cap * 2 + 8192;
            data = realloc(data, cap);
            CHECK(data != NULL);
        }
        got = fread(data + used, 1, 4096, f);
        used += got;
    } while (got > 0);
    fclose(f);
    for (i = 0; i + n <= used && !found; ++i) found = memcmp(data + i, needle, n) == 0;
    free(data);
    return found;
}

static int g_progress_calls;
static int64_t g_progress_last;
static int on_progress(void* user_data, int64_t done, int64_t total) {
    int cancel_at = *(int*)user_data;
    ++g_progress_calls;
    CHECK(done <= total);
    CHECK(done >= g_progress_last);
    g_progress_last = done;
    return cancel_at > 0 && g_progress_calls >= cancel_at;
}

static const unsigned char kKey[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                       17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

static void fill(crm_db* db, int n) {
    int i;
    char json[256];
    CHECK_OK(crm_begin(db));
    for (i = 0; i < n; ++i) {
        char* id = NULL;
        snprintf(json, sizeof json, "{\"display_name\":\"%s %d\",\"phones\":[\"1381234%04d\"]}",
                 i % 2 ? "诸葛亮" : "Grace Hopper", i, i);
        CHECK_OK(crm_customer_create(&id, db, json));
        crm_free(id);
    }
    CHECK_OK(crm_commit(db));
}

static void test_keys_and_encryption(void) {
    char path[600];
    crm_options* opts = NULL;
    crm_options* wrong = NULL;
    crm_db* db = NULL;
    int encrypted = -1;
    unsigned char bad_key[32];

    CHECK_OK(crm_options_new(&opts));
    CHECK_NULL_ARG(crm_options_set_passphrase(NULL, "x"), "opts");
    CHECK_NULL_ARG(crm_options_set_passphrase(opts, NULL), "passphrase");
    CHECK_STATUS(CRM_EINVAL, crm_options_set_passphrase(opts, ""));
    CHECK_NULL_ARG(crm_options_set_key(opts, NULL, 32), "key");
    CHECK_NULL_ARG(crm_options_set_key(NULL, kKey, 32), "opts");
    CHECK_STATUS(CRM_EINVAL, crm_options_set_key(opts, kKey, 16));
    CHECK(strstr(crm_errmsg(), "32 bytes") != NULL);
    CHECK_OK(crm_options_set_passphrase(opts, "correct horse 马"));
    CHECK_OK(crm_options_set_key(opts, kKey, sizeof kKey)); /* replaces the passphrase */

    CHECK_OK(crm_open(&db, in_dir(path, sizeof path, "enc.db"), opts));
    CHECK_OK(crm_db_is_encrypted(&encrypted, db));
    CHECK(encrypted == 1);
    CHECK_NULL_ARG(crm_db_is_encrypted(NULL, db), "out");
    CHECK_NULL_ARG(crm_db_is_encrypted(&encrypted, NULL), "db");
    fill(db, 20);
    crm_close(db);
    db = NULL;
    CHECK(!file_contains(path, "诸葛亮"));
    CHECK(!file_contains(path, "Grace Hopper"));
    CHECK(!file_contains(path, "13812340003"));

    /* Without the key, or with another one: CRM_ENOTADB, and nothing opened. */
    CHECK_STATUS(CRM_ENOTADB, crm_open(&db, path, NULL));
    CHECK(db == NULL);
    CHECK_OK(crm_options_new(&wrong));
    memcpy(bad_key, kKey, sizeof bad_key);
    bad_key[31] ^= 1;
    CHECK_OK(crm_options_set_key(wrong, bad_key, sizeof bad_key));
    CHECK_STATUS(CRM_ENOTADB, crm_open(&db, path, wrong));
    CHECK(strstr(crm_errmsg(), "wrong key") != NULL);
    crm_options_free(wrong);

    CHECK_OK(crm_open(&db, path, opts));
    CHECK_OK(crm_db_is_encrypted(&encrypted, db));
    CHECK(encrypted == 1);
    crm_close(db);
    crm_options_free(opts);
}

static void test_backup_verify_restore(void) {
    char src[600], bak[600], bak2[600], target[600];
    crm_options* opts = NULL;
    crm_options* target_opts = NULL;
    crm_backup_options* bo = NULL;
    crm_db* db = NULL;
    char* report = NULL;
    int cancel_at = 0;
    int64_t count = 0;

    CHECK_OK(crm_options_new(&opts));
    CHECK_OK(crm_options_set_key(opts, kKey, sizeof kKey));
    CHECK_OK(crm_open(&db, in_dir(src, sizeof src, "enc.db"), opts));

    CHECK_OK(crm_backup_options_new(&bo));
    CHECK_NULL_ARG(crm_backup_options_new(NULL), "out");
    CHECK_STATUS(CRM_EINVAL, crm_backup_options_set_step(bo, 0));
    CHECK_NULL_ARG(crm_backup_options_set_step(NULL, 1), "opts");
    CHECK_OK(crm_backup_options_set_step(bo, 2));
    CHECK_OK(crm_backup_options_set_progress(bo, on_progress, &cancel_at));
    CHECK_NULL_ARG(crm_backup_options_set_progress(NULL, on_progress, NULL), "opts");

    /* A backup with the source's key, in steps of 2 pages. */
    report = (char*)1;
    CHECK_NULL_ARG(crm_backup(&report, db, NULL, bo), "path");
    CHECK(report == NULL);
    CHECK_NULL_ARG(crm_backup(&report, NULL, "x", bo), "db");
    CHECK_OK(crm_backup(&report, db, in_dir(bak, sizeof bak, "backup.db"), bo));
    CHECK(strstr(report, "\"encrypted\":true") != NULL);
    crm_free(report);
    CHECK(g_progress_calls > 2);
    CHECK(!file_contains(bak, "诸葛亮"));
    CHECK_STATUS(CRM_EEXISTS, crm_backup(&report, db, bak, bo));

    /* Canceled on the third call: CRM_ECANCELED and no file. */
    g_progress_calls = 0;
    g_progress_last = 0;
    cancel_at = 3;
    CHECK_STATUS(CRM_ECANCELED, crm_backup(&report, db, in_dir(bak2, sizeof bak2, "canceled.db"), bo));
    CHECK(!file_exists(bak2));
    cancel_at = 0;

    /* With a new passphrase. */
    CHECK_NULL_ARG(crm_backup_options_set_passphrase(bo, NULL), "passphrase");
    CHECK_NULL_ARG(crm_backup_options_set_passphrase(NULL, "x"), "opts");
    CHECK_STATUS(CRM_EINVAL, crm_backup_options_set_passphrase(bo, ""));
    CHECK_OK(crm_backup_options_set_passphrase(bo, "新的口令"));
    g_progress_last = 0;
    CHECK_OK(crm_backup(&report, db, in_dir(bak2, sizeof bak2, "newkey.db"), bo));
    crm_free(report);

    /* Verify: the key in the options opens the backup. */
    CHECK_OK(crm_verify(&report, bak2, bo));
    CHECK(strstr(report, "\"ok\":true") != NULL);
    CHECK(strstr(report, "\"customers\":20") != NULL);
    crm_free(report);
    CHECK_STATUS(CRM_ENOTADB, crm_verify(&report, bak2, NULL));
    CHECK(report == NULL);
    CHECK_NULL_ARG(crm_verify(&report, NULL, NULL), "path");
    CHECK_NULL_ARG(crm_verify(NULL, bak2, NULL), "out_report");
    CHECK_STATUS(CRM_ENOTFOUND, crm_verify(&report, in_dir(target, sizeof target, "missing.db"), NULL));
    CHECK_NULL_ARG(crm_backup_options_set_key(bo, NULL, 32), "key");
    CHECK_NULL_ARG(crm_backup_options_set_key(NULL, kKey, 32), "opts");
    CHECK_STATUS(CRM_EINVAL, crm_backup_options_set_key(bo, kKey, 31));
    CHECK_OK(crm_backup_options_set_key(bo, kKey, sizeof kKey));
    CHECK_OK(crm_verify(&report, bak, bo));
    CHECK(strstr(report, "\"ok\":true") != NULL);
    crm_free(report);

    /* Integrity of the open database. */
    CHECK_OK(crm_integrity_check(&report, db));
    CHECK(strcmp(report, "{\"ok\":true,\"problems\":[]}") == 0);
    crm_free(report);
    CHECK_NULL_ARG(crm_integrity_check(&report, NULL), "db");

    /* Restore the first backup into a new file: encrypted with the backup's key. */
    crm_backup_options_set_progress(bo, NULL, NULL);
    CHECK_OK(crm_restore(&report, bak, in_dir(target, sizeof target, "restored.db"), bo, NULL));
    CHECK(strstr(report, "\"customers\":20") != NULL);
    crm_free(report);
    CHECK_NULL_ARG(crm_restore(&report, NULL, target, bo, NULL), "backup_path");
    CHECK_NULL_ARG(crm_restore(&report, bak, NULL, bo, NULL), "target_path");
    /* Into a missing file with create off: CRM_ENOTFOUND. */
    CHECK_OK(crm_options_new(&target_opts));
    CHECK_OK(crm_options_set_create(target_opts, 0));
    CHECK_STATUS(CRM_ENOTFOUND, crm_restore(&report, bak, in_dir(bak2, sizeof bak2, "nowhere.db"), bo, target_opts));
    crm_options_free(target_opts);
    crm_close(db);
    db = NULL;
    CHECK(!file_contains(target, "诸葛亮"));
    CHECK_OK(crm_open(&db, target, opts));
    CHECK_OK(crm_customer_count(&count, db, NULL));
    CHECK(count == 20);
    crm_close(db);
    crm_backup_options_free(bo);
    crm_options_free(opts);
}

/* crm_rekey, crm_decrypt, and crm_sync_snapshot of an encrypted database. */
static void test_rekey_decrypt_snapshot(void) {
    char path[600], snap[600];
    crm_options* old_key = NULL;
    crm_options* new_pass = NULL;
    crm_backup_options* bo = NULL;
    crm_backup_options* keyless = NULL;
    crm_db* db = NULL;
    crm_db* other = NULL;
    crm_cursor* cursor = NULL;
    char* report = NULL;
    int64_t count = 0;
    int encrypted = -1;

    CHECK_OK(crm_options_new(&old_key));
    CHECK_OK(crm_options_set_key(old_key, kKey, sizeof kKey));
    CHECK_OK(crm_options_new(&new_pass));
    CHECK_OK(crm_options_set_passphrase(new_pass, "换了的口令 new"));
    CHECK_OK(crm_open(&db, in_dir(path, sizeof path, "rekey.db"), old_key));
    fill(db, 20);
    CHECK_OK(crm_backup_options_new(&bo));
    CHECK_OK(crm_backup_options_set_passphrase(bo, "换了的口令 new"));
    CHECK_OK(crm_backup_options_new(&keyless));

    /* Refusals: arguments, no key, a transaction, a cursor, another handle. */
    report = (char*)1;
    CHECK_NULL_ARG(crm_rekey(&report, db, NULL), "opts");
    CHECK(report == NULL);
    CHECK_NULL_ARG(crm_rekey(NULL, db, bo), "out_report");
    CHECK_NULL_ARG(crm_rekey(&report, NULL, bo), "db");
    CHECK_STATUS(CRM_EINVAL, crm_rekey(&report, db, keyless));
    CHECK(strstr(crm_errmsg(), "key") != NULL);
    CHECK_OK(crm_begin(db));
    CHECK_STATUS(CRM_EMISUSE, crm_rekey(&report, db, bo));
    CHECK_OK(crm_rollback(db));
    CHECK_OK(crm_customer_query(&cursor, db, "{}"));
    CHECK_STATUS(CRM_EMISUSE, crm_rekey(&report, db, bo));
    CHECK_STATUS(CRM_EMISUSE, crm_decrypt(&report, db, NULL));
    crm_cursor_free(cursor);
    CHECK_OK(crm_open(&other, path, old_key));
    CHECK_STATUS(CRM_EBUSY, crm_rekey(&report, db, bo));
    CHECK(strstr(crm_errmsg(), "close it first") != NULL);
    CHECK_OK(crm_customer_count(&count, other, NULL));
    CHECK(count == 20);
    crm_close(other);
    other = NULL;

    /* To a passphrase: the handle goes on, the old key is refused afterwards. */
    CHECK_OK(crm_rekey(&report, db, bo));
    CHECK(strstr(report, "\"encrypted\":true") != NULL);
    CHECK(strstr(report, "\"was_encrypted\":true") != NULL);
    crm_free(report);
    CHECK_OK(crm_customer_count(&count, db, NULL));
    CHECK(count == 20);
    fill(db, 1);
    crm_close(db);
    db = NULL;
    CHECK(!file_contains(path, "诸葛亮"));
    CHECK(!file_contains(path, "13812340003"));
    CHECK_STATUS(CRM_ENOTADB, crm_open(&db, path, old_key));
    CHECK(strstr(crm_errmsg(), "wrong key") != NULL);
    CHECK(db == NULL);
    CHECK_OK(crm_open(&db, path, new_pass));
    CHECK_OK(crm_customer_count(&count, db, NULL));
    CHECK(count == 21);

    /* The snapshot of the encrypted database is encrypted with its key. */
    CHECK_OK(crm_sync_snapshot(&report, db, in_dir(snap, sizeof snap, "snapshot.db"), NULL));
    crm_free(report);
    CHECK(!file_contains(snap, "诸葛亮"));
    CHECK(!file_contains(snap, "Grace Hopper"));
    CHECK(!file_contains(snap, "13812340003"));
    CHECK(!file_contains(snap, "SQLite format 3"));
    CHECK_STATUS(CRM_ENOTADB, crm_open(&other, snap, NULL));
    CHECK_OK(crm_open(&other, snap, new_pass));
    CHECK_OK(crm_customer_count(&count, other, NULL));
    CHECK(count == 21);
    crm_close(other);
    other = NULL;

    /* Decrypt: plain, readable without a key; a second decrypt is refused. */
    CHECK_STATUS(CRM_EINVAL, crm_decrypt(&report, db, bo)); /* a key for decrypt */
    CHECK_NULL_ARG(crm_decrypt(&report, NULL, NULL), "db");
    CHECK_NULL_ARG(crm_decrypt(NULL, db, NULL), "out_report");
    CHECK_OK(crm_decrypt(&report, db, NULL));
    CHECK(strstr(report, "\"encrypted\":false") != NULL);
    crm_free(report);
    CHECK_OK(crm_db_is_encrypted(&encrypted, db));
    CHECK(encrypted == 0);
    CHECK_STATUS(CRM_EINVAL, crm_decrypt(&report, db, NULL));
    CHECK(strstr(crm_errmsg(), "not encrypted") != NULL);
    crm_close(db);
    db = NULL;
    CHECK(file_contains(path, "诸葛亮"));
    CHECK_STATUS(CRM_ENOTADB, crm_open(&db, path, new_pass));
    CHECK_OK(crm_open(&db, path, NULL));
    CHECK_OK(crm_customer_count(&count, db, NULL));
    CHECK(count == 21);

    /* A plain file encrypted in place, with a raw key. */
    CHECK_OK(crm_backup_options_set_key(bo, kKey, sizeof kKey));
    CHECK_OK(crm_rekey(&report, db, bo));
    CHECK(strstr(report, "\"was_encrypted\":false") != NULL);
    crm_free(report);
    CHECK_OK(crm_db_is_encrypted(&encrypted, db));
    CHECK(encrypted == 1);
    crm_close(db);
    db = NULL;
    CHECK(!file_contains(path, "诸葛亮"));
    CHECK(!file_contains(path, "13812340003"));
    CHECK_STATUS(CRM_ENOTADB, crm_open(&db, path, NULL));
    CHECK_OK(crm_open(&db, path, old_key));
    CHECK_OK(crm_customer_count(&count, db, NULL));
    CHECK(count == 21);
    crm_close(db);

    crm_backup_options_free(keyless);
    crm_backup_options_free(bo);
    crm_options_free(new_pass);
    crm_options_free(old_key);
}

static void remove_dir(void) {
    DIR* d = opendir(g_dir);
    struct dirent* e;
    char path[800];
    if (d == NULL) return;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        snprintf(path, sizeof path, "%s/%s", g_dir, e->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(g_dir);
}

int main(int argc, char** argv) {
    snprintf(g_dir, sizeof g_dir, "%s/crm-storage-XXXXXX", argc > 1 ? argv[1] : "/tmp");
    if (mkdtemp(g_dir) == NULL) {
        perror("mkdtemp");
        return EXIT_FAILURE;
    }
    test_keys_and_encryption();
    test_backup_verify_restore();
    test_rekey_decrypt_snapshot();
    CHECK(crm_live_handles() == 0);
    remove_dir();
    printf("abi_storage_test: %ld checks passed\n", g_checks);
    return EXIT_SUCCESS;
}

/* A program outside the crmlite project: it finds the installed headers and
 * library through find_package(crmlite) or pkg-config, opens a database, writes
 * and reads one record, and checks that the library it loaded is the one its
 * header describes. Usage: consumer_c <database-path> */
#include <stdio.h>
#include <string.h>

#include <crmlite/crmlite.h>

int main(int argc, char** argv) {
    crm_db* db = NULL;
    char* id = NULL;
    char* json = NULL;
    int ok;

    if (argc < 2) {
        fprintf(stderr, "usage: %s <database-path>\n", argv[0]);
        return 2;
    }
    if (crm_abi_version() != CRMLITE_ABI_VERSION || strcmp(crm_version(), CRMLITE_VERSION_STRING) != 0) {
        fprintf(stderr, "header %s (ABI %d) but library %s (ABI %d)\n", CRMLITE_VERSION_STRING,
                CRMLITE_ABI_VERSION, crm_version(), crm_abi_version());
        return 1;
    }
    if (crm_open(&db, argv[1], NULL) != CRM_OK ||
        crm_customer_create(&id, db, "{\"display_name\":\"安装测试\"}") != CRM_OK ||
        crm_customer_get(&json, db, id) != CRM_OK) {
        fprintf(stderr, "crmlite: %s\n", crm_errmsg());
        crm_close(db);
        return 1;
    }
    ok = strstr(json, "安装测试") != NULL;
    printf("consumer (C) linked crmlite %s: %s\n", crm_version(), json);
    crm_free(json);
    crm_free(id);
    crm_close(db);
    return ok && crm_live_handles() == 0 ? 0 : 1;
}

/*
 * crmlite_storage.h — part of the crmlite C ABI, included by crmlite.h (include
 * crmlite.h, not this file). Storage: online backup, restore, verification and encryption at rest (issue 7).
 * The conventions of crmlite.h hold here too.
 */
#ifndef CRMLITE_STORAGE_H
#define CRMLITE_STORAGE_H

#ifndef CRMLITE_H
#error "include <crmlite/crmlite.h>, which includes this file"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------ encryption at rest
 *
 * An encrypted database is encrypted page by page (the main file, its WAL and
 * its rollback journal; temporary files too) with XChaCha20-Poly1305 from
 * libsodium; see docs/storage.md. The key is a passphrase (Argon2id with a
 * salt stored in the file) or a raw 32-byte key. A new file opened with a key
 * is created encrypted. Opening an encrypted file without its key, or with a
 * wrong one, fails with CRM_ENOTADB ("wrong key"); a modified page is reported
 * as CRM_ECORRUPT, never returned as data. */

/* The passphrase (UTF-8, not empty) of the database crm_open() opens. Replaces
 * a raw key set earlier. */
CRM_API crm_status crm_options_set_passphrase(crm_options* opts, const char* passphrase) CRM_NOEXCEPT;
/* A raw key of exactly 32 bytes (CRM_EINVAL otherwise) instead of a passphrase. */
CRM_API crm_status crm_options_set_key(crm_options* opts, const unsigned char* key, size_t len) CRM_NOEXCEPT;
/* 1 when the open database is encrypted, else 0. */
CRM_API crm_status crm_db_is_encrypted(int* out, crm_db* db) CRM_NOEXCEPT;

/* ------------------------------------------------ backup, restore, verify */

typedef struct crm_backup_options crm_backup_options;

/* Defaults: the key of the source (crm_backup) or none (crm_restore,
 * crm_verify); 256 pages per step; no progress callback. */
CRM_API crm_status crm_backup_options_new(crm_backup_options** out) CRM_NOEXCEPT;
CRM_API void crm_backup_options_free(crm_backup_options* opts) CRM_NOEXCEPT;
/* The key of the backup file: for crm_backup the key the backup is encrypted
 * with (default: the source's own key; a plain database cannot be given one),
 * for crm_restore and crm_verify the key that opens the backup. */
CRM_API crm_status crm_backup_options_set_passphrase(crm_backup_options* opts, const char* passphrase) CRM_NOEXCEPT;
CRM_API crm_status crm_backup_options_set_key(crm_backup_options* opts, const unsigned char* key,
                                              size_t len) CRM_NOEXCEPT;
/* Pages copied per step (>= 1). Between steps the source is unlocked, so other
 * connections keep reading and writing during a backup. */
CRM_API crm_status crm_backup_options_set_step(crm_backup_options* opts, int pages) CRM_NOEXCEPT;
/* Called after every step with pages copied and total pages (crm_progress_fn,
 * crmlite.h); a non-zero return cancels with CRM_ECANCELED. */
CRM_API crm_status crm_backup_options_set_progress(crm_backup_options* opts, crm_progress_fn fn,
                                                   void* user_data) CRM_NOEXCEPT;

/* Online backup of the open database into the new file `path` (CRM_EEXISTS if
 * it exists). The copy is written under a temporary name and renamed into
 * place when complete: a canceled or failed backup leaves nothing behind.
 * CRM_EMISUSE inside an explicit transaction. Returns a JSON report
 * {"path","pages","page_size","bytes","steps","encrypted"} (caller frees). */
CRM_API crm_status crm_backup(char** out_report, crm_db* db, const char* path,
                              const crm_backup_options* opts) CRM_NOEXCEPT;
/* Verifies a backup (or any crmlite file) without restoring or changing it:
 * opens it read-only with the key in opts (may be NULL), runs SQLite's
 * integrity check and counts its records. Returns (caller frees)
 * {"ok","problems":[...],"warnings":[...],"path","encrypted","schema_version",
 * "latest_schema_version","site_id","page_size","pages","customers",
 * "interactions","counters_match"}; a damaged file is CRM_OK with "ok":false.
 * CRM_ENOTFOUND, CRM_ENOTADB (not crmlite, or a wrong key), CRM_ETOONEW. */
CRM_API crm_status crm_verify(char** out_report, const char* path, const crm_backup_options* opts) CRM_NOEXCEPT;
/* Restores the backup at `backup_path` (its key in opts, may be NULL) into
 * `target_path`, created when missing unless target_opts says create 0. The
 * target's key (target_opts, may be NULL) defaults to the backup's. The backup
 * is verified first: a damaged one is CRM_ECORRUPT and the target is left
 * untouched. Close other handles on the target first. Returns
 * {"backup","target","pages","steps","encrypted","customers","interactions"}. */
CRM_API crm_status crm_restore(char** out_report, const char* backup_path, const char* target_path,
                               const crm_backup_options* opts, const crm_options* target_opts) CRM_NOEXCEPT;
/* SQLite's integrity check of the open database: {"ok","problems":[...]}. */
CRM_API crm_status crm_integrity_check(char** out_report, crm_db* db) CRM_NOEXCEPT;

/* ---------------------------------------------------------- changing the key
 *
 * The file is re-encrypted into a new file beside it (WAL checkpointed first),
 * checked, synced and renamed over the old one: after a crash the file opens
 * with either the old key or the new one, never neither. `db` keeps working
 * under the new key; the other handles on the file must be closed first
 * (CRM_EBUSY otherwise, nothing changed). Only the system may do it (a handle
 * opened without a principal; CRM_EPERM otherwise), outside a transaction
 * (CRM_EMISUSE), on a handle opened read-write (CRM_EPERM), with no cursor
 * open on it (CRM_EMISUSE). The step and progress of opts apply to the copy;
 * CRM_ECANCELED from the progress callback leaves the file as it was.
 * Returns {"path","encrypted","was_encrypted","pages","page_size","bytes","steps"}
 * (caller frees). See docs/storage.md, "Changing the key". */

/* Encrypts the file with the passphrase or raw key set in opts (required,
 * CRM_EINVAL otherwise): a new key for an encrypted file (a passphrase gets a
 * fresh salt), encryption for a plain one. */
CRM_API crm_status crm_rekey(char** out_report, crm_db* db, const crm_backup_options* opts) CRM_NOEXCEPT;
/* Makes an encrypted file plain (CRM_EINVAL when it is not encrypted, or when
 * opts holds a key). opts may be NULL. */
CRM_API crm_status crm_decrypt(char** out_report, crm_db* db, const crm_backup_options* opts) CRM_NOEXCEPT;

#ifdef __cplusplus
}
#endif

#endif /* CRMLITE_STORAGE_H */

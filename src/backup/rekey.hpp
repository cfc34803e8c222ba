// Changing the key of an open database's file (docs/storage.md, "Rekey"):
// re-encrypting it with a new passphrase or raw key, encrypting a plain file,
// decrypting an encrypted one.
//
// The file is never rewritten in place. With the file to itself (no other
// connection: checked, CRM_EBUSY otherwise) and its WAL checkpointed into it,
// the handle copies every page into a new file next to it, encrypted with the
// new key (or plain), checks the copy, syncs it and renames it over the old
// one; then it reconnects to the new file. A crash at any moment leaves either
// the old file (old key; at worst a stray "<file>.rekey-*" beside it) or the
// new one (new key), never a mix. The handle keeps working under the new key;
// other handles must not be opened on the file meanwhile (one that was gets an
// error at its next read, never stale data).
#pragma once

#include "backup/backup.hpp"
#include "common/json.hpp"
#include "store/database.hpp"

namespace crmlite::backup {

// Encrypts the file with `options.key` (required): a new key for an encrypted
// file (a fresh salt for a passphrase), encryption for a plain one.
// pages_per_step and progress apply to the copy. Returns
// {"path","encrypted","was_encrypted","pages","page_size","bytes","steps"}.
// Errors: CRM_EINVAL (no key, or a malformed one), CRM_EPERM (read-only
// handle, or a principal signed in: only the system may change the key),
// CRM_EMISUSE (inside a transaction), CRM_EBUSY (another connection has the
// file open), CRM_ECANCELED (progress), CRM_EIO. On any error the file and the
// handle are as before.
Json rekey(Database& db, const CopyOptions& options);

// Makes an encrypted file plain (CRM_EINVAL when it is not encrypted, or when
// `options.key` is set). Otherwise as rekey(). The plain file keeps 56
// reserved bytes per page (unused), so it can be encrypted again in place.
Json decrypt(Database& db, const CopyOptions& options);

}  // namespace crmlite::backup

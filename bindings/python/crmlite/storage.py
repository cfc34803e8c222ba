"""Storage: online backup, restore, verification, encryption at rest (crmlite_storage.h).

The methods of :class:`crmlite.Database` for this capability; C signatures are
declared here with :func:`crmlite._ffi.declare`.

Keys: ``Database(path, passphrase="...")`` or ``Database(path, key=<32 bytes>)``
opens (or creates) an encrypted file. A wrong or missing key raises
:class:`crmlite.NotADatabase`; a modified page raises :class:`crmlite.Corrupt`.
"""

import json
from ctypes import POINTER, Structure, byref, c_char_p, c_int, c_size_t, c_void_p

from . import _ffi
from ._ffi import lib, options_p, db_p, out_str, status, PROGRESS_FN
from ._util import _check, _take_out, _bytes, _path
from .errors import last_error


class crm_backup_options(Structure):
    """Opaque."""


backup_options_p = POINTER(crm_backup_options)

_ffi.declare({
    "crm_options_set_passphrase": (status, [options_p, c_char_p]),
    "crm_options_set_key": (status, [options_p, c_char_p, c_size_t]),
    "crm_db_is_encrypted": (status, [POINTER(c_int), db_p]),
    "crm_backup_options_new": (status, [POINTER(backup_options_p)]),
    "crm_backup_options_free": (None, [backup_options_p]),
    "crm_backup_options_set_passphrase": (status, [backup_options_p, c_char_p]),
    "crm_backup_options_set_key": (status, [backup_options_p, c_char_p, c_size_t]),
    "crm_backup_options_set_step": (status, [backup_options_p, c_int]),
    "crm_backup_options_set_progress": (status, [backup_options_p, PROGRESS_FN, c_void_p]),
    "crm_backup": (status, [out_str, db_p, c_char_p, backup_options_p]),
    "crm_verify": (status, [out_str, c_char_p, backup_options_p]),
    "crm_restore": (status, [out_str, c_char_p, c_char_p, backup_options_p, options_p]),
    "crm_integrity_check": (status, [out_str, db_p]),
    "crm_rekey": (status, [out_str, db_p, backup_options_p]),
    "crm_decrypt": (status, [out_str, db_p, backup_options_p]),
})


def _raw_key(key):
    if not isinstance(key, (bytes, bytearray)):
        raise TypeError("key: expected 32 bytes")
    return bytes(key)


def _set_key(set_passphrase, set_key, opts, passphrase, key):
    if passphrase is not None and key is not None:
        from .errors import InvalidInput
        raise InvalidInput("key: give a passphrase or a raw key, not both")
    if passphrase is not None:
        _check(set_passphrase(opts, _bytes(passphrase, "passphrase")))
    if key is not None:
        raw = _raw_key(key)
        _check(set_key(opts, raw, len(raw)))


class _BackupOptions:
    """A crm_backup_options for one call, with the progress callback kept alive."""

    def __init__(self, passphrase=None, key=None, step=None, progress=None):
        if progress is not None and not callable(progress):
            raise TypeError("progress: expected a callable(done, total)")
        self.ptr = backup_options_p()
        self.raised = []
        self.callback = None
        _check(lib.crm_backup_options_new(byref(self.ptr)))
        try:
            _set_key(lib.crm_backup_options_set_passphrase, lib.crm_backup_options_set_key, self.ptr,
                     passphrase, key)
            if step is not None:
                if not isinstance(step, int) or isinstance(step, bool):
                    raise TypeError("step: expected an int of pages")
                _check(lib.crm_backup_options_set_step(self.ptr, step))
            if progress is not None:
                def trampoline(_user_data, done, total):
                    try:
                        keep_going = progress(done, total)
                    except BaseException as e:  # noqa: B902 - re-raised after the call
                        self.raised.append(e)
                        return 1
                    return 1 if keep_going is not None and not keep_going else 0
                self.callback = PROGRESS_FN(trampoline)
                _check(lib.crm_backup_options_set_progress(self.ptr, self.callback, None))
        except BaseException:
            self.close()
            raise

    def close(self):
        if self.ptr:
            lib.crm_backup_options_free(self.ptr)
            self.ptr = backup_options_p()

    def call(self, fn, *args):
        """Calls ``fn(char** out, *args, opts)``-shaped functions via a lambda."""
        out = c_void_p()
        st = fn(byref(out), *args)
        err = last_error(st) if st != _ffi.OK else None
        text = _ffi.take_string(out)
        if self.raised:
            raise self.raised[0]
        if err is not None:
            raise err
        return json.loads(text)


class StorageMixin:
    """Mixed into :class:`crmlite.Database` (``self._db()`` is the crm_db)."""

    @staticmethod
    def _set_open_key(opts, passphrase=None, key=None):
        """Puts a passphrase or raw key into a crm_options (used by Database())."""
        _set_key(lib.crm_options_set_passphrase, lib.crm_options_set_key, opts, passphrase, key)

    @property
    def encrypted(self):
        """True when the open file is encrypted."""
        out = c_int()
        _check(lib.crm_db_is_encrypted(byref(out), self._db()))
        return bool(out.value)

    def backup(self, path, *, passphrase=None, key=None, step=None, progress=None):
        """Online backup into the new file ``path``; returns the report dict
        {path, pages, page_size, bytes, steps, encrypted}. The database stays
        usable meanwhile. An encrypted database's backup is encrypted with its
        own key, or with ``passphrase`` / ``key`` when given.
        ``progress(done_pages, total_pages)`` returning False cancels
        (:class:`crmlite.Canceled`, no file left)."""
        db = self._db()
        opts = _BackupOptions(passphrase, key, step, progress)
        try:
            return opts.call(lambda out, p: lib.crm_backup(out, db, p, opts.ptr), _path(path))
        finally:
            opts.close()

    def rekey(self, *, passphrase=None, key=None, step=None, progress=None):
        """Encrypts the file in place with a new ``passphrase`` or raw ``key``
        (one of them is required): a new key for an encrypted file, encryption
        for a plain one. Crash-safe (a re-encrypted copy renamed over the
        file); this handle keeps working, other handles on the file must be
        closed first (:class:`crmlite.Busy`). Returns {path, encrypted,
        was_encrypted, pages, page_size, bytes, steps}."""
        if passphrase is None and key is None:
            from .errors import InvalidInput
            raise InvalidInput("key: rekey needs the new passphrase or raw key")
        db = self._db()
        opts = _BackupOptions(passphrase, key, step, progress)
        try:
            return opts.call(lambda out: lib.crm_rekey(out, db, opts.ptr))
        finally:
            opts.close()

    def decrypt(self, *, step=None, progress=None):
        """Makes the encrypted file plain, in place (as :meth:`rekey`)."""
        db = self._db()
        opts = _BackupOptions(None, None, step, progress)
        try:
            return opts.call(lambda out: lib.crm_decrypt(out, db, opts.ptr))
        finally:
            opts.close()

    def integrity_check(self):
        """SQLite's integrity check of the open file: {ok, problems}."""
        return json.loads(_take_out(lib.crm_integrity_check, self._db()))

    @staticmethod
    def verify_backup(path, *, passphrase=None, key=None):
        """Checks a backup (or any crmlite file) without changing it; returns
        {ok, problems, encrypted, schema_version, customers, interactions, ...}."""
        opts = _BackupOptions(passphrase, key)
        try:
            return opts.call(lambda out, p: lib.crm_verify(out, p, opts.ptr), _path(path))
        finally:
            opts.close()

    @staticmethod
    def restore_backup(backup_path, target_path, *, passphrase=None, key=None, target_passphrase=None,
                       target_key=None, create=True, step=None, progress=None):
        """Restores ``backup_path`` (opened with ``passphrase`` / ``key``) into
        ``target_path`` after verifying it. The target's key defaults to the
        backup's. Close other handles on the target first."""
        opts = _BackupOptions(passphrase, key, step, progress)
        target = options_p()
        try:
            _check(lib.crm_options_new(byref(target)))
            _check(lib.crm_options_set_create(target, 1 if create else 0))
            StorageMixin._set_open_key(target, target_passphrase, target_key)
            return opts.call(lambda out, b, t: lib.crm_restore(out, b, t, opts.ptr, target),
                             _path(backup_path, "backup_path"), _path(target_path, "target_path"))
        finally:
            lib.crm_options_free(target)
            opts.close()

"""Database and Cursor: the Pythonic face of the crmlite C ABI.

Records are Python dicts (or JSON text); they cross the ABI as UTF-8 JSON.
Handles are released deterministically by close() / ``with`` blocks, and as a
safety net by ``weakref.finalize`` when an object is garbage collected or the
interpreter exits. A Database releases the cursors opened on it before it
closes itself (the C ABI requires every cursor to be freed before its crm_db).
"""

import contextlib
import itertools
import json
import os
import uuid
import weakref
from ctypes import byref, c_int, c_int64, c_size_t, c_void_p

from . import _ffi
from ._ffi import lib
from .errors import CrmError, InvalidInput, Misuse, NotFound, last_error

__all__ = ["Database", "Cursor"]


from ._util import _check, _take_out, _bytes, _path, _json_bytes, _json_value, _query, _loads
from .value import ValueMixin
from .quality import QualityMixin
from .privacy import PrivacyMixin
from .storage import StorageMixin
from .sales import SalesMixin


# ---------------------------------------------------------------- handles

class _Handles:
    """The C handles of one Database: the crm_db and its open cursors.

    Kept apart from the Database object so that finalizers can reach it without
    keeping the Database alive.
    """

    __slots__ = ("db", "cursors", "__weakref__")

    def __init__(self, db):
        self.db = db
        self.cursors = {}  # key -> cursor_p

    def free_cursor(self, key):
        ptr = self.cursors.pop(key, None)
        if ptr:
            lib.crm_cursor_free(ptr)

    def close(self):
        # Cursors first: crm_cursor_free touches its crm_db.
        for key in list(self.cursors):
            self.free_cursor(key)
        db, self.db = self.db, None
        if db:
            lib.crm_close(db)


_cursor_keys = itertools.count()


class Cursor:
    """A forward-only stream of rows (dicts) from a listing, timeline or search.

    Iterate it (``for row in cursor``); call :meth:`token` after a page to get
    the ``after`` value that resumes the listing. Close it (or use ``with``)
    when done; it is also closed when its Database closes or when garbage
    collected. Do not write to the Database while reading a cursor.
    """

    def __init__(self, db, ptr):
        self._db = db  # keeps the Database open while the cursor lives
        self._key = next(_cursor_keys)
        handles = db._handles
        handles.cursors[self._key] = ptr
        self._finalizer = weakref.finalize(self, handles.free_cursor, self._key)

    def _ptr(self):
        ptr = self._db._handles.cursors.get(self._key)
        if ptr is None:
            raise Misuse("cursor is closed", _ffi.EMISUSE)
        return ptr

    @property
    def closed(self):
        return self._key not in self._db._handles.cursors

    def close(self):
        """Releases the cursor. Idempotent."""
        self._finalizer()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __iter__(self):
        return self

    def __next__(self):
        row = c_void_p()
        status = lib.crm_cursor_next(byref(row), self._ptr())
        if status == _ffi.ROW:
            # Borrowed until the next call on this cursor: copy now.
            return json.loads(_ffi.borrowed_string(row))
        if status == _ffi.DONE:
            raise StopIteration
        raise last_error(status)

    def token(self):
        """The keyset token resuming after the last row returned, or None
        (before the first row, and for search results, which are ranked)."""
        return _take_out(lib.crm_cursor_token, self._ptr())

    def __repr__(self):
        return f"<crmlite.Cursor {'closed' if self.closed else 'open'}>"


# --------------------------------------------------------------- database

class Database(ValueMixin, QualityMixin, PrivacyMixin, StorageMixin, SalesMixin):
    """An open crmlite database file.

    ``Database(path, *, create=True, readonly=False, timezone=None,
    busy_timeout=None, passphrase=None, key=None)`` opens (and unless
    ``create=False``, creates) the file; with a passphrase or a raw 32-byte key
    the file is encrypted (see storage.py).
    ``timezone`` is an IANA name ("Asia/Shanghai") stored when the file is
    created; ``busy_timeout`` is in milliseconds; ``principal`` opens the file as
    one of its users (see :class:`crmlite.privacy.PrivacyMixin`). Use it as a context manager
    (closed on exit) or call :meth:`close`.

    Records are dicts (JSON text is accepted too); ids are UUID strings.
    Errors raise :class:`crmlite.CrmError` subclasses.
    """

    def __init__(self, path, *, create=True, readonly=False, timezone=None, busy_timeout=None,
                 passphrase=None, key=None, principal=None):
        self.path = os.fspath(path)
        encoded = _path(path)
        opts = _ffi.options_p()
        _check(lib.crm_options_new(byref(opts)))
        try:
            _check(lib.crm_options_set_create(opts, 1 if create else 0))
            _check(lib.crm_options_set_readonly(opts, 1 if readonly else 0))
            if timezone is not None:
                _check(lib.crm_options_set_timezone(opts, _bytes(timezone, "timezone")))
            if busy_timeout is not None:
                if not isinstance(busy_timeout, int) or isinstance(busy_timeout, bool):
                    raise TypeError("busy_timeout: expected an int of milliseconds")
                if not 0 <= busy_timeout <= 2**31 - 1:
                    raise InvalidInput("busy_timeout: must be between 0 and 2147483647 ms")
                _check(lib.crm_options_set_busy_timeout(opts, busy_timeout))
            # Encryption at rest (storage.py): a passphrase or a raw 32-byte key.
            self._set_open_key(opts, passphrase, key)
            if principal is not None:  # a user of the file (crmlite_privacy.h); None: the system
                _check(lib.crm_options_set_principal(opts, _bytes(principal, "principal")))
            db = _ffi.db_p()
            _check(lib.crm_open(byref(db), encoded, opts))
        finally:
            lib.crm_options_free(opts)
        self._handles = _Handles(db)
        self._finalizer = weakref.finalize(self, self._handles.close)

    # -- lifetime

    def _db(self):
        db = self._handles.db
        if not db:
            raise Misuse("database is closed", _ffi.EMISUSE)
        return db

    @property
    def closed(self):
        return not self._handles.db

    def close(self):
        """Closes the open cursors, then the database (rolling back an explicit
        transaction left open). Idempotent."""
        self._finalizer()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        return f"<crmlite.Database {self.path!r} {'closed' if self.closed else 'open'}>"

    def _cursor(self, fn, query):
        out = _ffi.cursor_p()
        db = self._db()
        data = _json_bytes(query, "query")
        status = fn(byref(out), db, data)
        if status != _ffi.OK:
            raise last_error(status)
        return Cursor(self, out)

    # -- transactions

    def begin(self):
        """Starts an explicit transaction (nesting raises Misuse)."""
        _check(lib.crm_begin(self._db()))

    def commit(self):
        _check(lib.crm_commit(self._db()))

    def rollback(self):
        _check(lib.crm_rollback(self._db()))

    @contextlib.contextmanager
    def transaction(self):
        """``with db.transaction():`` -- every call inside is one transaction,
        committed at the end, rolled back if the block raises."""
        self.begin()
        try:
            yield self
        except BaseException:
            with contextlib.suppress(CrmError):
                self.rollback()
            raise
        try:
            self.commit()
        except CrmError:
            with contextlib.suppress(CrmError):
                self.rollback()
            raise

    def info(self):
        """Facts about the database: schema version, site id, time zone, counts."""
        return json.loads(_take_out(lib.crm_db_info, self._db()))

    # -- customers

    def create_customer(self, record):
        """Creates a customer from a dict (or JSON text); returns its id."""
        return _take_out(lib.crm_customer_create, self._db(), _json_bytes(record, "customer"))

    def customer(self, customer_id):
        """The customer as a dict; raises NotFound when absent or deleted."""
        return json.loads(_take_out(lib.crm_customer_get, self._db(), _bytes(customer_id, "id")))

    def update_customer(self, customer_id, changes):
        """Partial update: only the keys given change; None clears a field."""
        _check(lib.crm_customer_update(self._db(), _bytes(customer_id, "id"),
                                       _json_bytes(changes, "customer")))

    def delete_customer(self, customer_id):
        """Deletes the customer with its contact points, tags and interactions."""
        _check(lib.crm_customer_delete(self._db(), _bytes(customer_id, "id")))

    def find_external(self, system, external_id):
        """The id of the customer known to ``system`` as ``external_id``, or None."""
        try:
            return _take_out(lib.crm_customer_find_external, self._db(),
                             _bytes(system, "system"), _bytes(external_id, "external_id"))
        except NotFound:
            return None

    def view(self, customer_id):
        """The 360-degree view: profile, tags, latest interactions, order totals,
        interaction counts."""
        return json.loads(_take_out(lib.crm_customer_view, self._db(), _bytes(customer_id, "id")))

    def query_customers(self, filter=None, sort=None, order=None, limit=None, after=None, full=None):
        """Lists customers as a :class:`Cursor` of dicts.

        ``filter``: dict (see docs/query.md); ``sort``: "name" (default),
        "name_codepoint", "created_at", "updated_at"; ``order``: "asc"/"desc";
        ``limit``: rows (default 50); ``after``: a token from
        :meth:`Cursor.token`; ``full``: True for whole records.
        """
        query = _query(filter=None if filter is None else _json_value(filter), sort=sort,
                       order=order, limit=limit, after=after, full=full)
        return self._cursor(lib.crm_customer_query, query)

    def count_customers(self, filter=None):
        """Counts customers matching ``filter`` (all when None)."""
        db = self._db()
        data = None if filter is None else _json_bytes(filter, "filter")
        count = c_int64()
        _check(lib.crm_customer_count(byref(count), db, data))
        return count.value

    # -- interactions

    def add_interaction(self, record):
        """Logs an interaction (call, order, ticket, ...); returns its id."""
        return _take_out(lib.crm_interaction_add, self._db(), _json_bytes(record, "interaction"))

    def interaction(self, interaction_id):
        return json.loads(_take_out(lib.crm_interaction_get, self._db(),
                                    _bytes(interaction_id, "id")))

    def update_interaction(self, interaction_id, changes):
        _check(lib.crm_interaction_update(self._db(), _bytes(interaction_id, "id"),
                                          _json_bytes(changes, "interaction")))

    def delete_interaction(self, interaction_id):
        _check(lib.crm_interaction_delete(self._db(), _bytes(interaction_id, "id")))

    def timeline(self, customer_id, kinds=None, limit=None, after=None):
        """A customer's interactions, newest first, as a :class:`Cursor`."""
        if isinstance(kinds, str):
            kinds = [kinds]
        elif kinds is not None:
            kinds = list(kinds)
        if isinstance(customer_id, uuid.UUID):
            customer_id = str(customer_id)
        query = _query(customer_id=customer_id, kinds=kinds, limit=limit, after=after)
        return self._cursor(lib.crm_timeline, query)

    # -- tags

    def create_tag(self, path, kind=None):
        """Creates a tag (and its missing ancestors); returns its id. Idempotent."""
        return _take_out(lib.crm_tag_create, self._db(),
                         _json_bytes(_query(path=path, kind=kind), "tag"))

    def tags(self):
        """Every tag as a list of dicts {id, path, name, kind, level, parent_id, count}."""
        return json.loads(_take_out(lib.crm_tag_list, self._db()))

    def delete_tag(self, path):
        """Deletes a tag without children; its assignments go with it."""
        _check(lib.crm_tag_delete(self._db(), _bytes(path, "path")))

    def tag(self, customer_id, path):
        """Tags a customer (the tag is created when missing)."""
        _check(lib.crm_tag_assign(self._db(), _bytes(customer_id, "customer_id"),
                                  _bytes(path, "path")))

    def untag(self, customer_id, path):
        _check(lib.crm_tag_unassign(self._db(), _bytes(customer_id, "customer_id"),
                                    _bytes(path, "path")))

    # -- search

    def search(self, q, scope=None, limit=None):
        """Full-text search, best first, as a :class:`Cursor` of
        {type, id, customer_id, title, snippet, rank}. ``scope``: "customers",
        "interactions" or "all" (default)."""
        return self._cursor(lib.crm_search, _query(q=q, **{"in": scope}, limit=limit))

    # -- import and export

    def import_file(self, path, format=None, records=None, system=None, mapping=None,
                    batch_size=None, progress=None):
        """Imports a CSV or JSON Lines file; returns the report dict
        {rows, inserted, updated, unchanged, failed, errors: [{line, field, reason}]}.

        ``progress(done, total)`` is called as rows are read; returning False
        (or any false value other than None) cancels: the whole import is
        rolled back and :class:`Canceled` is raised. An exception raised by
        ``progress`` also cancels the import, and is re-raised here.
        """
        if progress is not None and not callable(progress):
            raise TypeError("progress: expected a callable(done, total)")
        db = self._db()
        encoded = _path(path)
        opts = _ffi.import_options_p()
        _check(lib.crm_import_options_new(byref(opts)))
        raised = []
        callback = None  # the CFUNCTYPE object: must outlive crm_import_file
        try:
            if format is not None:
                _check(lib.crm_import_options_set_format(opts, _bytes(format, "format")))
            if records is not None:
                _check(lib.crm_import_options_set_records(opts, _bytes(records, "records")))
            if system is not None:
                _check(lib.crm_import_options_set_system(opts, _bytes(system, "system")))
            if mapping is not None:
                _check(lib.crm_import_options_set_mapping(opts, _json_bytes(mapping, "mapping")))
            if batch_size is not None:
                if not isinstance(batch_size, int) or not 1 <= batch_size <= 1000000:
                    raise InvalidInput("batch_size: must be an int between 1 and 1000000")
                _check(lib.crm_import_options_set_batch_size(opts, batch_size))
            if progress is not None:
                def trampoline(_user_data, done, total):
                    # Nothing may escape into C: ctypes would print it and go on.
                    try:
                        keep_going = progress(done, total)
                    except BaseException as e:  # noqa: B902 - re-raised after the call
                        raised.append(e)
                        return 1
                    return 1 if keep_going is not None and not keep_going else 0
                callback = _ffi.PROGRESS_FN(trampoline)
                _check(lib.crm_import_options_set_progress(opts, callback, None))
            out = c_void_p()
            status = lib.crm_import_file(byref(out), db, encoded, opts)
            err = last_error(status) if status != _ffi.OK else None
            report = _ffi.take_string(out)
        finally:
            lib.crm_import_options_free(opts)
            del callback
        if raised:
            exc = raised[0]
            if err is not None and hasattr(exc, "add_note"):
                exc.add_note(f"crmlite: the import was canceled and rolled back ({err.status_name})")
            raise exc
        if err is not None:
            raise err
        return json.loads(report)

    # ------------------------------------------------------------------ sync

    @staticmethod
    def _sync_options(peer=None, share=None, max_clock_skew_ms=None, conflict_retention_ms=None, audit=None):
        """A crm_sync_options (caller frees) or None when nothing is set.
        ``share`` maps "owner" / "region" / "tag" to a value or a list of them."""
        if (peer is None and not share and max_clock_skew_ms is None and conflict_retention_ms is None
                and audit is None):
            return None
        opts = _ffi.sync_options_p()
        _check(lib.crm_sync_options_new(byref(opts)))
        try:
            if peer is not None:
                _check(lib.crm_sync_options_set_peer(opts, _bytes(peer, "peer")))
            for field, values in (share or {}).items():
                for value in ([values] if isinstance(values, str) else values):
                    _check(lib.crm_sync_options_add_share(opts, _bytes(field, "share"), _bytes(value, "share")))
            if max_clock_skew_ms is not None:
                _check(lib.crm_sync_options_set_max_clock_skew_ms(opts, int(max_clock_skew_ms)))
            if conflict_retention_ms is not None:
                _check(lib.crm_sync_options_set_conflict_retention_ms(opts, int(conflict_retention_ms)))
            if audit is not None:
                _check(lib.crm_sync_options_set_audit(opts, 1 if audit else 0))
        except BaseException:
            lib.crm_sync_options_free(opts)
            raise
        return opts

    def sync_changes(self, since=0, max_records=10000, peer=None, share=None, audit=None):
        """Changes made or received after the cursor ``since`` (0: everything),
        as ``(blob, cursor, more)``: send ``blob`` to the peer, keep ``cursor``
        for the next call, call again while ``more``. ``peer`` (its site id)
        acknowledges what it has and suppresses echoes; ``share`` (e.g.
        ``{"owner": "alice"}``, needs ``peer``) sends only that share.
        ``audit`` True/False: whether the changes carry this file's audit
        chain for the hub (None: the default, unfiltered changes of a handle
        without principal do; see docs/privacy.md)."""
        blob, size = c_void_p(), c_size_t()
        cursor, more = c_int64(), c_int()
        opts = self._sync_options(peer=peer, share=share, audit=audit)
        try:
            status = lib.crm_sync_changes_for(byref(blob), byref(size), byref(cursor), byref(more),
                                              self._db(), int(since), int(max_records), opts)
        finally:
            if opts:
                lib.crm_sync_options_free(opts)
        if status != _ffi.OK:
            err = last_error(status)
            _ffi.take_bytes(blob, 0)
            raise err
        return _ffi.take_bytes(blob, size.value), cursor.value, bool(more.value)

    def sync_apply(self, blob, max_clock_skew_ms=None, scope=None, conflict_retention_ms=None):
        """Applies a peer's changeset (bytes); returns the report dict.
        ``scope`` (as ``share`` of sync_changes) is the sender's write scope:
        records outside it are refused and listed under "refused"."""
        if not isinstance(blob, (bytes, bytearray)):
            raise InvalidInput("blob: expected bytes")
        opts = self._sync_options(share=scope, max_clock_skew_ms=max_clock_skew_ms,
                                  conflict_retention_ms=conflict_retention_ms)
        try:
            data = bytes(blob)
            return json.loads(_take_out(lib.crm_sync_apply, self._db(), data, len(data), opts))
        finally:
            if opts:
                lib.crm_sync_options_free(opts)

    def sync_conflicts(self, record_id=None, limit=100):
        """The conflict log, newest first: values overwritten by concurrent
        edits or lost to concurrent deletes (a list of dicts)."""
        rid = None if record_id is None else _bytes(record_id, "record_id")
        return json.loads(_take_out(lib.crm_sync_conflicts, self._db(), rid, int(limit)))

    def sync_gc(self, retention_ms):
        """Drops the tombstones every peer seen within ``retention_ms`` has
        acknowledged; peers away longer must re-baseline (StaleError)."""
        return json.loads(_take_out(lib.crm_sync_gc, self._db(), int(retention_ms)))

    def sync_rebaseline(self, hub, path, share=None):
        """This database is a stale device (StaleError from the hub): writes a
        new replica to ``path`` from a snapshot of ``hub`` and carries into it
        the work the hub never received from this one (fields, new records,
        deletes); edits of records the hub deleted are dropped and listed.
        Returns the snapshot's report plus {"carried": {...}, "dropped": [...]}:
        close this database and put ``path`` in its place."""
        opts = self._sync_options(share=share)
        try:
            return json.loads(_take_out(lib.crm_sync_rebaseline, self._db(), hub._db(), _path(path), opts))
        finally:
            if opts:
                lib.crm_sync_options_free(opts)

    def sync_snapshot(self, path, share=None):
        """Writes a new replica (a new device) to ``path`` from a snapshot of
        this database, without replaying history; ``share`` (as for
        sync_changes) leaves out the customers outside it. Returns
        {"site_id", "origin", "cursor", "customers", "bytes"}: open ``path``
        and sync on with this database from ``cursor``."""
        opts = self._sync_options(share=share)
        try:
            return json.loads(_take_out(lib.crm_sync_snapshot, self._db(), _path(path), opts))
        finally:
            if opts:
                lib.crm_sync_options_free(opts)

    def sync_received(self, peer_site):
        """How far this database holds the changes of the peer with that site
        id: the ``since`` to ask that peer for next (0: nothing yet)."""
        out = c_int64()
        _check(lib.crm_sync_received(byref(out), self._db(), _bytes(peer_site, "peer_site")))
        return out.value

    def export_file(self, records, path):
        """Exports "customers" or "interactions" as JSON Lines to ``path``;
        returns the report dict {rows}."""
        return json.loads(_take_out(lib.crm_export_file, self._db(),
                                    _bytes(records, "records"), _path(path)))


def sync_dump(blob):
    """The JSON rendering of a changeset (a dict), for debugging."""
    data = bytes(blob)
    return json.loads(_take_out(lib.crm_sync_dump, data, len(data)))

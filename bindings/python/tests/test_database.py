"""Opening and closing databases, options, handle lifetime and the leak oracle."""

import gc
import os
import unittest

import crmlite
from _support import TempDirTestCase


class Module(unittest.TestCase):
    def test_versions(self):
        self.assertRegex(crmlite.version(), r"^\d+\.\d+\.\d+$")
        self.assertEqual(crmlite.__version__, crmlite.version())
        major, minor, patch = map(int, crmlite.version().split("."))
        self.assertEqual(crmlite.version_number(), major * 1000000 + minor * 1000 + patch)
        self.assertEqual(crmlite.abi_version(), 1)
        self.assertTrue(os.path.exists(crmlite.library_path) or "/" not in crmlite.library_path)

    def test_exception_hierarchy(self):
        for cls in (crmlite.InvalidInput, crmlite.NotFound, crmlite.AlreadyExists, crmlite.NotADatabase,
                    crmlite.TooNew, crmlite.Busy, crmlite.PermissionDenied, crmlite.Corrupt,
                    crmlite.Canceled, crmlite.Misuse, crmlite.OutOfMemory, crmlite.IOFailure):
            self.assertTrue(issubclass(cls, crmlite.CrmError), cls)
        self.assertTrue(issubclass(crmlite.OutOfMemory, MemoryError))
        e = crmlite.Busy("locked")
        self.assertEqual((e.status, e.status_name, e.sqlite_code, str(e)), (8, "CRM_EBUSY", 0, "locked"))


class Lifecycle(TempDirTestCase):
    def test_context_manager_closes(self):
        with crmlite.Database(self.file("a.crm")) as db:
            self.assertFalse(db.closed)
            self.assertEqual(crmlite.live_handles(), 1)
        self.assertTrue(db.closed)
        self.assertEqual(crmlite.live_handles(), 0)
        db.close()  # idempotent
        with self.assertRaises(crmlite.Misuse):
            db.count_customers()

    def test_info_and_timezone_persist(self):
        path = self.file("tz.crm")
        with crmlite.Database(path, timezone="Asia/Shanghai", busy_timeout=200) as db:
            info = db.info()
            self.assertEqual(info["timezone"], "Asia/Shanghai")
            self.assertEqual(info["customers"], 0)
            self.assertFalse(info["readonly"])
            site = info["site_id"]
        with crmlite.Database(path) as db:
            self.assertEqual(db.info()["timezone"], "Asia/Shanghai")  # stored in the file
            self.assertEqual(db.info()["site_id"], site)

    def test_bad_options(self):
        with self.assertRaises(crmlite.InvalidInput) as cm:
            crmlite.Database(self.file("a.crm"), timezone="not a zone!")
        self.assertIn("timezone", str(cm.exception))
        with self.assertRaises(crmlite.InvalidInput):
            crmlite.Database(self.file("a.crm"), busy_timeout=-1)
        self.assertEqual(os.listdir(self.dir), [])

    def test_create_false_on_a_missing_file(self):
        with self.assertRaises(crmlite.NotFound):
            crmlite.Database(self.file("missing.crm"), create=False)
        self.assertEqual(os.listdir(self.dir), [])

    def test_readonly_refuses_writes(self):
        path = self.file("ro.crm")
        with crmlite.Database(path) as db:
            cid = db.create_customer({"display_name": "A"})
        with crmlite.Database(path, readonly=True) as db:
            self.assertEqual(db.customer(cid)["display_name"], "A")
            self.assertTrue(db.info()["readonly"])
            with self.assertRaises(crmlite.PermissionDenied) as cm:
                db.create_customer({"display_name": "B"})
            self.assertEqual(cm.exception.status_name, "CRM_EPERM")
            with self.assertRaises(crmlite.PermissionDenied):
                db.update_customer(cid, {"city": "x"})
            self.assertEqual(db.count_customers(), 1)

    def test_not_a_database_leaves_the_file_untouched(self):
        path = self.file("notes.crm")
        content = ("这不是数据库 — just some notes.\n" * 400).encode("utf-8")
        with open(path, "wb") as f:
            f.write(content)
        for kwargs in ({}, {"readonly": True}, {"create": False}):
            with self.subTest(**kwargs):
                with self.assertRaises(crmlite.NotADatabase) as cm:
                    crmlite.Database(path, **kwargs)
                self.assertEqual(cm.exception.status_name, "CRM_ENOTADB")
                self.assertTrue(str(cm.exception))
                with open(path, "rb") as f:
                    self.assertEqual(f.read(), content)
                self.assertEqual(os.listdir(self.dir), ["notes.crm"])  # no -wal / -shm left behind

    def test_foreign_sqlite_file_is_not_a_database(self):
        import sqlite3
        path = self.file("other.sqlite")
        con = sqlite3.connect(path)
        con.execute("CREATE TABLE t(x)")
        con.commit()
        con.close()
        with open(path, "rb") as f:
            before = f.read()
        with self.assertRaises(crmlite.NotADatabase):
            crmlite.Database(path)
        with open(path, "rb") as f:
            self.assertEqual(f.read(), before)

    def test_newer_schema_is_refused(self):
        import sqlite3
        path = self.file("future.crm")
        crmlite.Database(path).close()
        con = sqlite3.connect(path)
        version = con.execute("PRAGMA user_version").fetchone()[0]
        con.execute(f"PRAGMA user_version = {version + 100}")
        con.commit()
        con.close()
        with open(path, "rb") as f:
            before = f.read()
        with self.assertRaises(crmlite.TooNew) as cm:
            crmlite.Database(path)
        self.assertEqual(cm.exception.status_name, "CRM_ETOONEW")
        with open(path, "rb") as f:
            self.assertEqual(f.read(), before)

    def test_a_held_write_lock_raises_busy(self):
        path = self.file("busy.crm")
        with crmlite.Database(path) as a, crmlite.Database(path, busy_timeout=0) as b:
            with a.transaction():
                a.create_customer({"display_name": "A"})
                with self.assertRaises(crmlite.Busy) as cm:
                    b.create_customer({"display_name": "B"})
                self.assertEqual(cm.exception.sqlite_code & 0xFF, 5)  # SQLITE_BUSY
            b.create_customer({"display_name": "B"})  # free again after the commit
            self.assertEqual(a.count_customers(), 2)

    def test_two_handles_on_one_file(self):
        path = self.file("shared.crm")
        with crmlite.Database(path) as a, crmlite.Database(path) as b:
            cid = a.create_customer({"display_name": "A"})
            self.assertEqual(b.customer(cid)["display_name"], "A")
            self.assertEqual(crmlite.live_handles(), 2)

    def test_unicode_path(self):
        path = self.file("客户 数据.crm")
        with crmlite.Database(path) as db:
            db.create_customer({"display_name": "A"})
        with crmlite.Database(path) as db:
            self.assertEqual(db.count_customers(), 1)


class HandleLifetime(TempDirTestCase):
    def setUp(self):
        super().setUp()
        self.db = crmlite.Database(self.file("h.crm"))
        for n in "ABCDE":
            self.db.create_customer({"display_name": n})

    def tearDown(self):
        self.db.close()
        super().tearDown()

    def test_closing_the_database_with_open_cursors(self):
        c1 = self.db.query_customers(limit=2)
        next(c1)
        c2 = self.db.search("A")
        c3 = self.db.timeline(self.db.create_customer({"display_name": "F"}))
        self.assertEqual(crmlite.live_handles(), 4)
        self.db.close()
        self.assertEqual(crmlite.live_handles(), 0)
        for c in (c1, c2, c3):
            self.assertTrue(c.closed)
            with self.assertRaises(crmlite.Misuse):
                next(c)
            with self.assertRaises(crmlite.Misuse):
                c.token()
            c.close()  # still fine

    def test_cursor_context_manager_and_close(self):
        with self.db.query_customers() as cur:
            self.assertEqual(len(list(cur)), 5)
            self.assertEqual(list(cur), [])  # exhausted, still open
            self.assertEqual(crmlite.live_handles(), 2)
        self.assertTrue(cur.closed)
        self.assertEqual(crmlite.live_handles(), 1)

    def test_garbage_collected_handles_are_released(self):
        cur = self.db.query_customers()
        next(cur)
        db2 = crmlite.Database(self.file("h.crm"))
        cur2 = db2.query_customers()
        self.assertEqual(crmlite.live_handles(), 4)
        del cur, db2  # cur2 keeps db2 alive
        gc.collect()
        self.assertEqual(crmlite.live_handles(), 3)
        del cur2
        gc.collect()
        self.assertEqual(crmlite.live_handles(), 1)

    def test_a_cursor_keeps_an_unnamed_database_open(self):
        rows = list(crmlite.Database(self.file("h.crm")).query_customers())
        self.assertEqual(len(rows), 5)
        gc.collect()
        self.assertEqual(crmlite.live_handles(), 1)

    def test_a_reference_cycle_is_collected_safely(self):
        db2 = crmlite.Database(self.file("h.crm"))
        cur = db2.query_customers()
        next(cur)
        db2.cycle = cur  # db2 -> cur -> db2
        del db2, cur
        gc.collect()
        self.assertEqual(crmlite.live_handles(), 1)

    def test_leak_oracle_after_a_full_session(self):
        cid = self.db.create_customer({"display_name": "王小明", "tags": ["VIP"]})
        self.db.add_interaction({"customer_id": cid, "kind": "call"})
        list(self.db.search("小明"))
        list(self.db.timeline(cid))
        self.db.view(cid)
        self.db.tags()
        with self.assertRaises(crmlite.InvalidInput):
            self.db.query_customers(filter={"nope": 1})
        with self.assertRaises(crmlite.NotADatabase):
            with open(self.file("junk"), "wb") as f:
                f.write(b"junk" * 1000)
            crmlite.Database(self.file("junk"))
        self.db.close()
        gc.collect()
        self.assertEqual(crmlite.live_handles(), 0)


if __name__ == "__main__":
    unittest.main()

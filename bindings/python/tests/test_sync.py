"""Sync through the binding: changesets between two files, both directions."""

import unittest

import crmlite
from _support import TempDirTestCase


class Sync(TempDirTestCase):
    def test_two_replicas_converge(self):
        with crmlite.Database(self.file("a.crm")) as a, crmlite.Database(self.file("b.crm")) as b:
            cid = a.create_customer({"display_name": "李雷", "city": "北京"})
            blob, cursor, more = a.sync_changes()
            self.assertFalse(more)
            report = b.sync_apply(blob)
            self.assertGreater(report["fields_applied"], 0)
            self.assertEqual(b.sync_received(report["sender"]), cursor)
            self.assertEqual(a.sync_received(report["sender"]), 0)
            with self.assertRaises(crmlite.InvalidInput):
                b.sync_received("not-a-site")
            self.assertEqual(b.customer(cid)["city"], "北京")
            # Concurrent edits of different fields both survive.
            a.update_customer(cid, {"city": "上海"})
            b.update_customer(cid, {"stage": "customer"})
            blob_a, cursor, _ = a.sync_changes(cursor)
            blob_b, _, _ = b.sync_changes(0)
            b.sync_apply(blob_a)
            a.sync_apply(blob_b, max_clock_skew_ms=60_000)
            for db in (a, b):
                got = db.customer(cid)
                self.assertEqual(got["city"], "上海")
                self.assertEqual(got["stage"], "customer")
            dumped = crmlite.sync_dump(blob_a)
            self.assertEqual(dumped["records"][0]["table"], "customers")

    def test_damaged_blob_is_refused(self):
        with crmlite.Database(self.file("a.crm")) as a, crmlite.Database(self.file("b.crm")) as b:
            a.create_customer({"display_name": "韩梅梅"})
            blob, _, _ = a.sync_changes()
            bad = bytearray(blob)
            bad[len(bad) // 2] ^= 0x10
            with self.assertRaises(crmlite.Corrupt):
                b.sync_apply(bytes(bad))
            with self.assertRaises(crmlite.InvalidInput):
                a.sync_changes(max_records=0)
            self.assertEqual(b.count_customers(), 0)


if __name__ == "__main__":
    unittest.main()

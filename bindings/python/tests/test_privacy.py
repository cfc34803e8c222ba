"""Principals, scopes, masking, the audit chain and data subject rights through
the Python binding: a sales principal never sees another rep's customer or an
unmasked phone."""

import sqlite3
import unittest

import crmlite
from crmlite.errors import NotFound, PermissionDenied

from _support import TempDirTestCase


class PrivacyTest(TempDirTestCase):
    def setUp(self):
        super().setUp()
        self.path = self.file("crm.db")
        with crmlite.Database(self.path) as db:
            db.put_user({"name": "alice", "role": "sales", "team": "east"})
            db.put_user({"name": "bob", "role": "sales", "team": "east"})
            db.put_user({"name": "root", "role": "admin"})
            self.mine = db.create_customer({"display_name": "王小明", "owner": "alice",
                                            "phones": ["13812345678"], "notes": "电话 13812345678"})
            self.theirs = db.create_customer({"display_name": "李四海", "owner": "bob",
                                              "phones": ["13987654321"]})
            db.add_interaction({"customer_id": self.theirs, "kind": "call", "subject": "renewal"})

    def test_sales_sees_only_its_own_customers_masked(self):
        with crmlite.Database(self.path, principal="alice") as alice:
            self.assertEqual(alice.whoami()["scope"], "own")
            c = alice.customer(self.mine)
            self.assertEqual(c["phones"][0]["value"], "138****5678")
            self.assertNotIn("13812345678", str(c))
            with self.assertRaises(PermissionDenied):
                alice.customer(self.theirs)
            with self.assertRaises(PermissionDenied):
                alice.view(self.theirs)
            with self.assertRaises(PermissionDenied):
                alice.update_customer(self.theirs, {"city": "x"})
            ids = [r["id"] for r in alice.query_customers()]
            self.assertEqual(ids, [self.mine])
            self.assertEqual(alice.count_customers(), 1)
            self.assertEqual(list(alice.search("李四")), [])
            self.assertEqual(list(alice.search("renewal")), [])
            hits = list(alice.search("5678"))
            self.assertTrue(hits)
            self.assertTrue(all("1381234" not in h["snippet"] for h in hits))
            with self.assertRaises(PermissionDenied):
                alice.export_file("customers", self.file("out.jsonl"))
        with crmlite.Database(self.path) as sys:
            self.assertNotIn("city", sys.customer(self.theirs))  # the denied update wrote nothing

    def test_unknown_principal_cannot_open(self):
        with self.assertRaises(PermissionDenied):
            crmlite.Database(self.path, principal="mallory")

    def test_audit_chain_and_tampering(self):
        with crmlite.Database(self.path, principal="alice") as alice:
            alice.customer(self.mine)
            with self.assertRaises(PermissionDenied):
                alice.customer(self.theirs)
        with crmlite.Database(self.path, principal="root") as root:
            entries = list(root.audit(principal="alice"))
            actions = {(e["action"], e["outcome"]) for e in entries}
            self.assertIn(("customer.read", "ok"), actions)
            self.assertIn(("customer.read", "denied"), actions)
            self.assertTrue(root.audit_verify()["ok"])
            raw = sqlite3.connect(self.path)
            raw.execute("UPDATE audit_log SET action = 'nothing' WHERE n = 2")
            raw.commit()
            raw.close()
            report = root.audit_verify()
            self.assertFalse(report["ok"])
            self.assertTrue(report["problems"])

    def test_subject_export_and_erasure(self):
        with crmlite.Database(self.path, principal="root") as root:
            data = root.subject_export(self.mine)
            self.assertEqual(data["customer"]["phones"][0]["value"], "13812345678")
            report = root.subject_erase(self.mine)
            self.assertIn("fts_rewrite_ms", report)
            self.assertTrue(report["checkpoint_complete"])
            with self.assertRaises(NotFound):
                root.customer(self.mine)
        for path in (self.path, self.path + "-wal"):
            try:
                with open(path, "rb") as f:
                    raw = f.read()
            except FileNotFoundError:
                continue
            self.assertNotIn("王小明".encode(), raw)
            self.assertNotIn(b"13812345678", raw)

    def test_privacy_under_sync(self):
        """A sales device gets masked values, its edits leave the clear phone
        alone, its audit chain reaches the hub, and an erasure scrubs a
        replica's file."""
        device_path, replica_path = self.file("device.db"), self.file("replica.db")
        with crmlite.Database(device_path) as device, crmlite.Database(self.path) as hub:
            device_site, hub_site = device.info()["site_id"], hub.info()["site_id"]
            device.put_user({"name": "alice", "role": "sales"})  # audited on the device
            with crmlite.Database(self.path, principal="alice") as alice:
                with self.assertRaises(PermissionDenied):  # the hub's chain is not hers
                    alice.sync_changes(0, 1000, peer=device_site, audit=True)
                blob, _, _ = alice.sync_changes(0, 1000, peer=device_site)
                self.assertNotIn(b"13812345678", blob)
                device.sync_apply(blob)
            self.assertEqual(device.customer(self.mine)["phones"][0]["value"], "138****5678")
            device.update_customer(self.mine, {"city": "宁波"})
            blob, _, _ = device.sync_changes(0, 1000, peer=hub_site)
            self.assertNotIn(b"****", blob)
            report = hub.sync_apply(blob)
            self.assertEqual(report["audit"]["appended"], 1)
            mine = hub.customer(self.mine)
            self.assertEqual((mine["city"], mine["phones"][0]["value"]), ("宁波", "13812345678"))
            self.assertTrue(hub.audit_verify()["ok"])
            blob, _, _ = device.sync_changes(0, 1000, peer=hub_site, audit=False)
            self.assertNotIn("audit", hub.sync_apply(blob))
            with crmlite.Database(replica_path) as replica:
                replica.sync_apply(hub.sync_changes(0, 1000)[0])
                with crmlite.Database(self.path, principal="root") as root:
                    root.subject_erase(self.mine)
                report = replica.sync_apply(hub.sync_changes(0, 1000)[0])
                self.assertEqual(report["erased"], 1)
                self.assertIn("scrub", report)
        for path in (device_path, device_path + "-wal", replica_path, replica_path + "-wal"):
            try:
                with open(path, "rb") as f:
                    raw = f.read()
            except FileNotFoundError:
                continue
            self.assertNotIn(b"13812345678", raw, path)
        with open(replica_path, "rb") as f:
            self.assertNotIn("王小明".encode(), f.read())


if __name__ == "__main__":
    unittest.main()

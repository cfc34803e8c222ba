"""Sync through the binding: changesets between two files, both directions."""

import time
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

    def test_filtered_pull_scope_conflicts_and_gc(self):
        with crmlite.Database(self.file("hub.crm")) as hub, crmlite.Database(self.file("dev.crm")) as dev:
            mine = hub.create_customer({"display_name": "张三", "owner": "alice"})
            hub.create_customer({"display_name": "李四", "owner": "bob"})
            dev_site = dev.info()["site_id"]
            share = {"owner": ["alice"]}
            blob, cursor, more = hub.sync_changes(0, peer=dev_site, share=share)
            self.assertFalse(more)
            dev.sync_apply(blob)
            self.assertEqual(dev.count_customers(), 1)
            # Concurrent edits of one field: the later wins, the other is logged.
            dev.update_customer(mine, {"city": "杭州"})
            time.sleep(0.005)  # a later clock
            hub.update_customer(mine, {"city": "宁波"})
            push, _, _ = dev.sync_changes(0)
            report = hub.sync_apply(push, scope=share)
            self.assertEqual(report["refused"], [])
            self.assertEqual(hub.customer(mine)["city"], "宁波")
            log = hub.sync_conflicts(mine)
            self.assertEqual(len(log), 1)
            self.assertEqual(log[0]["lost"]["value"], "杭州")
            # Reassigned away: the device is told to drop it.
            hub.update_customer(mine, {"owner": "bob"})
            blob, cursor, _ = hub.sync_changes(dev.sync_received(hub.info()["site_id"]), peer=dev_site, share=share)
            self.assertEqual(dev.sync_apply(blob)["evicted"], 1)
            self.assertEqual(dev.count_customers(), 0)
            with self.assertRaises(crmlite.InvalidInput):
                hub.sync_changes(0, share={"owner": "alice"})  # a share needs the peer
            with self.assertRaises(crmlite.InvalidInput):
                hub.sync_changes(0, peer=dev_site, share={"city": "x"})
            self.assertEqual(hub.sync_gc(86_400_000)["tombstones_dropped"], 0)
            with self.assertRaises(crmlite.InvalidInput):
                hub.sync_gc(-1)


class Snapshot(TempDirTestCase):
    def test_new_device_from_a_snapshot(self):
        with crmlite.Database(self.file("hub.crm")) as hub:
            mine = hub.create_customer({"display_name": "王芳", "owner": "alice"})
            theirs = hub.create_customer({"display_name": "赵强", "owner": "bob"})
            report = hub.sync_snapshot(self.file("alice.crm"), share={"owner": "alice"})
            self.assertEqual(report["customers"], 1)
            with self.assertRaises(crmlite.AlreadyExists):
                hub.sync_snapshot(self.file("alice.crm"))
            with crmlite.Database(self.file("alice.crm")) as dev:
                self.assertEqual(dev.customer(mine)["display_name"], "王芳")
                with self.assertRaises(crmlite.NotFound):
                    dev.customer(theirs)
                self.assertEqual(dev.sync_received(report["origin"]), report["cursor"])
                # The device's edit reaches the hub from the snapshot's cursor on.
                dev.update_customer(mine, {"city": "苏州"})
                blob, _, _ = dev.sync_changes(hub.sync_received(report["site_id"]), peer=report["origin"])
                self.assertEqual(hub.sync_apply(blob, scope={"owner": "alice"})["fields_applied"], 1)
                self.assertEqual(hub.customer(mine)["city"], "苏州")


class Rebaseline(TempDirTestCase):
    def test_a_stale_device_keeps_its_unsynced_work(self):
        with crmlite.Database(self.file("hub.crm")) as hub, crmlite.Database(self.file("dev.crm")) as dev:
            kept = hub.create_customer({"display_name": "陈静"})
            gone = hub.create_customer({"display_name": "Gone"})
            blob, _, _ = hub.sync_changes()
            dev.sync_apply(blob)
            blob, _, _ = dev.sync_changes()
            hub.sync_apply(blob)  # the hub knows the device from here on
            dev.update_customer(kept, {"city": "厦门"})
            dev.update_customer(gone, {"city": "nowhere"})
            made = dev.create_customer({"display_name": "郑伟"})
            hub.delete_customer(gone)
            time.sleep(0.005)
            self.assertEqual(hub.sync_gc(0)["stale_peers"], 1)  # retention 0: the device is stale
            blob, _, _ = dev.sync_changes()
            with self.assertRaises(crmlite.StaleError):
                hub.sync_apply(blob)
            report = dev.sync_rebaseline(hub, self.file("dev-new.crm"))
            self.assertEqual([d["id"] for d in report["dropped"]], [gone])
            self.assertGreater(report["carried"]["fields_applied"], 0)
            with self.assertRaises(crmlite.AlreadyExists):
                dev.sync_rebaseline(hub, self.file("dev-new.crm"))
            with crmlite.Database(self.file("dev-new.crm")) as new:
                self.assertEqual(new.info()["site_id"], report["site_id"])
                self.assertEqual(new.customer(kept)["city"], "厦门")
                self.assertEqual(new.customer(made)["display_name"], "郑伟")
                with self.assertRaises(crmlite.NotFound):
                    new.customer(gone)
                blob, _, _ = new.sync_changes(hub.sync_received(report["site_id"]), peer=report["origin"])
                self.assertGreater(hub.sync_apply(blob)["fields_applied"], 0)
                self.assertEqual(hub.customer(kept)["city"], "厦门")
                self.assertEqual(hub.customer(made)["display_name"], "郑伟")


if __name__ == "__main__":
    unittest.main()

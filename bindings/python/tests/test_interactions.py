"""Interactions and the timeline (newest first, keyset pagination)."""

import datetime
import unittest
import uuid

import crmlite
from _support import DbTestCase

UTC = datetime.timezone.utc


class Interactions(DbTestCase):
    def setUp(self):
        super().setUp()
        self.cid = self.add("王小明")

    def test_add_get_update_delete(self):
        iid = self.db.add_interaction({
            "customer_id": self.cid, "kind": "order", "currency": "CNY",
            "items": [{"product": "茶叶", "quantity": 2, "unit_price_minor": 4500}],
            "occurred_at": "2026-03-01T08:00:00+08:00"})
        rec = self.db.interaction(iid)
        self.assertEqual(rec["amount_minor"], 9000)  # from the line items
        self.assertEqual(rec["occurred_at"], "2026-03-01T00:00:00.000Z")
        self.assertEqual(rec["customer_id"], self.cid)
        self.db.update_interaction(iid, {"status": "paid"})
        rec2 = self.db.interaction(iid)
        self.assertEqual(rec2["status"], "paid")
        self.assertEqual(rec2["amount_minor"], 9000)
        self.db.delete_interaction(iid)
        with self.assertRaises(crmlite.NotFound):
            self.db.interaction(iid)

    def test_errors(self):
        with self.assertRaises(crmlite.InvalidInput) as cm:
            self.db.add_interaction({"customer_id": self.cid, "kind": "order", "amount_minor": 100})
        self.assertIn("currency", str(cm.exception))
        with self.assertRaises(crmlite.InvalidInput) as cm:
            self.db.add_interaction({"customer_id": self.cid, "kind": "Big Order"})
        self.assertIn("kind", str(cm.exception))
        with self.assertRaises(crmlite.NotFound):
            self.db.add_interaction({"customer_id": str(uuid.uuid4()), "kind": "call"})
        iid = self.db.add_interaction({"customer_id": self.cid, "kind": "call"})
        other = self.add("李雷")
        with self.assertRaises(crmlite.InvalidInput) as cm:
            self.db.update_interaction(iid, {"customer_id": other})
        self.assertIn("customer_id", str(cm.exception))
        with self.assertRaises(TypeError):  # a naive datetime is not an instant
            self.db.add_interaction({"customer_id": self.cid, "kind": "call",
                                     "occurred_at": datetime.datetime(2026, 1, 1)})

    def test_timeline_newest_first_with_pagination(self):
        base = datetime.datetime(2026, 1, 1, tzinfo=UTC)
        # Inserted out of time order, one pair at the same instant (ties by id).
        days = [3, 0, 4, 1, 2, 2]
        ids = {}
        for n, d in enumerate(days):
            ids[self.db.add_interaction({"customer_id": self.cid, "kind": "call" if n % 2 else "visit",
                                         "subject": f"#{n}",
                                         "occurred_at": base + datetime.timedelta(days=d)})] = d
        full = list(self.db.timeline(self.cid))
        times = [r["occurred_at"] for r in full]
        self.assertEqual(len(full), 6)
        self.assertEqual(times, sorted(times, reverse=True))
        self.assertEqual(times[0], "2026-01-05T00:00:00.000Z")

        pages, after = [], None
        for _ in range(10):
            with self.db.timeline(self.cid, limit=4, after=after) as cur:
                page = [r["id"] for r in cur]
                after = cur.token()
            if not page:
                break
            pages.append(page)
        self.assertEqual([len(p) for p in pages], [4, 2])
        self.assertEqual([i for p in pages for i in p], [r["id"] for r in full])

        calls = list(self.db.timeline(self.cid, kinds="call"))
        self.assertEqual([r["kind"] for r in calls], ["call"] * 3)
        self.assertEqual(len(list(self.db.timeline(self.cid, kinds=["call", "visit"]))), 6)

    def test_delete_customer_removes_interactions(self):
        iid = self.db.add_interaction({"customer_id": self.cid, "kind": "note", "body": "x"})
        self.db.delete_customer(self.cid)
        with self.assertRaises(crmlite.NotFound):
            self.db.interaction(iid)
        self.assertEqual(self.db.info()["interactions"], 0)


if __name__ == "__main__":
    unittest.main()

"""Explicit transactions through db.transaction()."""

import unittest

import crmlite
from _support import DbTestCase


class Boom(Exception):
    pass


class Transactions(DbTestCase):
    def test_commit(self):
        with self.db.transaction() as db:
            a = db.create_customer({"display_name": "A"})
            db.add_interaction({"customer_id": a, "kind": "call"})
            self.assertTrue(self.db.info()["in_transaction"])
        self.assertFalse(self.db.info()["in_transaction"])
        self.assertEqual(self.db.count_customers(), 1)
        self.assertEqual(len(list(self.db.timeline(a))), 1)

    def test_rollback_on_exception_leaves_nothing(self):
        ids = []
        with self.assertRaises(Boom):
            with self.db.transaction():
                ids.append(self.add("A", tags=["VIP"]))
                ids.append(self.add("B"))
                self.db.add_interaction({"customer_id": ids[0], "kind": "call"})
                raise Boom()
        self.assertEqual(self.db.count_customers(), 0)
        self.assertEqual(self.db.info()["interactions"], 0)
        self.assertEqual(self.db.tags(), [])
        for cid in ids:
            with self.assertRaises(crmlite.NotFound):
                self.db.customer(cid)
        self.assertFalse(self.db.info()["in_transaction"])

    def test_a_failed_call_inside_rolls_back_the_block(self):
        with self.assertRaises(crmlite.InvalidInput):
            with self.db.transaction():
                self.add("A")
                self.add("B", birthday="not a date")
        self.assertEqual(self.db.count_customers(), 0)

    def test_nesting_is_misuse(self):
        with self.db.transaction():
            with self.assertRaises(crmlite.Misuse) as cm:
                self.db.begin()
            self.assertEqual(cm.exception.status_name, "CRM_EMISUSE")
            self.add("A")
        self.assertEqual(self.db.count_customers(), 1)

    def test_close_rolls_back_an_open_transaction(self):
        self.db.begin()
        self.add("A")
        self.db.close()
        with crmlite.Database(self.path) as db:
            self.assertEqual(db.count_customers(), 0)


if __name__ == "__main__":
    unittest.main()

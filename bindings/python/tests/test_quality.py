"""Data quality through the binding: normalisation, duplicates, merge (also
under sync), rules, validation and the report."""

import time
import unittest

import crmlite
from _support import DbTestCase, TempDirTestCase


class Normalise(DbTestCase):
    def test_phones_emails_names_places(self):
        p = self.db.normalize("phone", "０２１-6123 4567")
        self.assertEqual(p["e164"], "+862161234567")
        self.assertEqual(p["type"], "fixed_line")
        self.assertTrue(p["valid"])
        self.assertFalse(self.db.normalize("phone", "138 1234")["valid"])
        self.assertEqual(self.db.normalize("email", " Li@Example.CN ")["normalized"], "Li@example.cn")
        self.assertEqual(self.db.normalize("name", "曾丽")["pinyin"], "zeng li")
        self.assertEqual(self.db.normalize("name", "张伟")["key"], self.db.normalize("name", "Wei Zhang")["key"])
        self.assertEqual(self.db.normalize("city", "Shenzhen")["canonical"], "深圳市")
        with self.assertRaises(crmlite.InvalidInput) as e:
            self.db.normalize("shoe", "x")
        self.assertIn("kind", str(e.exception))

    def test_phone_region(self):
        self.db.set_phone_region("US")
        cid = self.db.create_customer({"display_name": "x", "phones": ["650 253 0000"]})
        self.assertEqual(self.db.customer(cid)["phones"][0]["normalized"], "+16502530000")
        with self.assertRaises(crmlite.InvalidInput):
            self.db.set_phone_region("Mars")


class Duplicates(DbTestCase):
    def test_clusters_check_and_merge(self):
        a = self.db.create_customer({"display_name": "王小明", "city": "上海", "phones": ["13812345678"]})
        b = self.db.create_customer({"display_name": "Wang Xiaoming", "city": "上海市",
                                     "phones": ["+86 138 1234 5678"], "emails": ["xm@example.com"]})
        self.db.create_customer({"display_name": "李娜", "phones": ["13900000000"]})
        found = self.db.find_duplicates()
        self.assertEqual(len(found["clusters"]), 1)
        self.assertEqual(sorted(found["clusters"][0]["members"]), sorted([a, b]))
        self.assertEqual(self.db.check_duplicates(a)["matches"][0]["id"], b)
        self.assertEqual(self.db.check_duplicates({"display_name": "Xiaoming Wang", "emails": ["XM@example.com"]})
                         ["matches"][0]["id"], b)
        with self.assertRaises(crmlite.InvalidInput):
            self.db.find_duplicates(auto_threshold=3)
        m = self.db.merge_customers(a, [b], rule="survivor")
        self.assertEqual(m["survivor"], a)
        self.assertEqual(m["sources"]["display_name"]["from"], a)
        merged = self.db.customer(b)  # the loser reads as the survivor
        self.assertEqual(merged["id"], a)
        self.assertEqual(merged["redirected_from"], b)
        self.assertEqual(len(merged["emails"]), 1)
        self.assertEqual(self.db.merge_record(m["id"]), m)
        self.assertEqual(len(self.db.merges_of(a)), 1)
        self.assertEqual(self.db.find_duplicates()["clusters"], [])
        with self.assertRaises(crmlite.NotFound):
            self.db.merge_customers(a, ["01890000-0000-7000-8000-000000000000"])


class MergeUnderSync(TempDirTestCase):
    def test_edit_to_the_loser_elsewhere_lands_on_the_survivor(self):
        with crmlite.Database(self.file("a.crm")) as a, crmlite.Database(self.file("b.crm")) as b:
            s = a.create_customer({"display_name": "陈静", "phones": ["13700000000"]})
            l = a.create_customer({"display_name": "Chen Jing", "phones": ["13700000000"]})
            blob, ab, _ = a.sync_changes()
            b.sync_apply(blob)
            time.sleep(0.002)
            a.merge_customers(s, [l])
            b.update_customer(l, {"title": "店长"})
            blob, ab, _ = a.sync_changes(ab)
            b.sync_apply(blob)
            blob, _, _ = b.sync_changes(0)
            a.sync_apply(blob)
            for db in (a, b):
                self.assertEqual(db.customer(s)["title"], "店长")
                self.assertEqual(db.customer(l)["id"], s)
                self.assertEqual(db.count_customers(), 1)

    def test_an_undo_made_on_one_replica_brings_the_loser_back_on_the_other(self):
        with crmlite.Database(self.file("a.crm")) as a, crmlite.Database(self.file("b.crm")) as b:
            s = a.create_customer({"display_name": "陈静", "phones": ["13700000000"]})
            l = a.create_customer({"display_name": "Chen Jing", "phones": ["13711111111"], "tags": ["展会"]})
            call = a.add_interaction({"customer_id": l, "kind": "call", "subject": "hello"})
            m = a.merge_customers(s, [l])
            blob, ab, _ = a.sync_changes()
            b.sync_apply(blob)
            self.assertEqual(b.customer(l)["id"], s)
            u = b.undo_merge(m["id"])  # undone on the other replica
            self.assertEqual(u["status"], "undone")
            self.assertEqual(u["kept"], [])
            with self.assertRaises(crmlite.ConflictError) as e:
                b.undo_merge(m["id"])
            self.assertIn("already undone", str(e.exception))
            self.assertEqual(e.exception.status, crmlite._ffi.ECONFLICT)
            blob, _, _ = b.sync_changes(0)
            a.sync_apply(blob)
            for db in (a, b):
                c = db.customer(l)
                self.assertEqual(c["id"], l)
                self.assertNotIn("redirected_from", c)
                self.assertEqual([p["normalized"] for p in c["phones"]], ["+8613711111111"])
                self.assertEqual(c["tags"], ["展会"])
                self.assertEqual(db.interaction(call)["customer_id"], l)
                self.assertEqual(len(db.customer(s)["phones"]), 1)
                self.assertEqual(db.count_customers(), 2)
                self.assertEqual(db.merge_record(m["id"])["status"], "undone")


class Rules(DbTestCase):
    def test_rules_validation_report(self):
        self.assertIn("rules", self.db.quality_rules())
        self.db.set_quality_rules({"rules": [{"field": "city", "required": True, "weight": 1},
                                             {"field": "postcode", "pattern": "[0-9]{6}", "weight": 1}]})
        cid = self.db.create_customer({"display_name": "x", "postcode": "12"})
        v = self.db.validate_customer(cid)
        self.assertEqual(v["missing"], ["city"])
        self.assertEqual(v["invalid"][0]["field"], "postcode")
        self.assertEqual(v["completeness"], 0.0)
        with self.assertRaises(crmlite.InvalidInput) as e:
            self.db.set_quality_rules({"rules": [{"field": "nope"}]})
        self.assertIn("rules[0].field", str(e.exception))
        r = self.db.quality_report(stale_days=30)
        self.assertEqual(r["customers"], 1)
        self.assertEqual(r["fields"]["city"]["missing"], 1)
        self.assertIn("duplicate_rate", r)
        self.db.set_quality_rules(None)
        self.assertGreater(len(self.db.quality_rules()["rules"]), 2)


if __name__ == "__main__":
    unittest.main()

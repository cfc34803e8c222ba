"""Bulk import (CSV, JSON Lines) with progress and cancel, and export."""

import json
import unittest

import crmlite
from _support import DbTestCase

CSV = (
    "external_id,display_name,phone,birthday,city,tags\n"
    "C001,王小明,138 1234 5678,1990-05-17,上海,VIP\n"
    "C002,Mary Johnson,+1 415 555 0100,1985-13-01,San Francisco,\n"  # bad birthday (line 3)
    "C003,张伟,,,北京,行业/制造业\n"
)


class Stop(Exception):
    pass


class Import(DbTestCase):
    def write(self, name, text):
        path = self.file(name)
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        return path

    def big_csv(self, n=50):
        rows = "".join(f"K{i:03d},客户{i},1390000{i:04d}\n" for i in range(n))
        return self.write("big.csv", "external_id,display_name,phone\n" + rows)

    def test_csv_with_a_bad_row(self):
        path = self.write("customers.csv", CSV)
        report = self.db.import_file(path, system="erp")
        self.assertEqual((report["rows"], report["inserted"], report["updated"], report["failed"]), (3, 2, 0, 1))
        self.assertEqual(len(report["errors"]), 1)
        err = report["errors"][0]
        self.assertEqual(err["line"], 3)
        self.assertIn("birthday", err["field"])
        self.assertTrue(err["reason"])
        cid = self.db.find_external("erp", "C001")
        c = self.db.customer(cid)
        self.assertEqual((c["display_name"], c["city"], c["tags"]), ("王小明", "上海", ["VIP"]))
        self.assertEqual(c["phones"][0]["value"], "138 1234 5678")
        self.assertIsNone(self.db.find_external("erp", "C002"))
        self.assertEqual([h["title"] for h in self.db.search("小明")], ["王小明"])

    def test_reimport_is_idempotent(self):
        path = self.write("customers.csv", CSV)
        self.db.import_file(path, system="erp")
        again = self.db.import_file(path, system="erp", format="csv", records="customers")
        self.assertEqual((again["inserted"], again["updated"], again["unchanged"], again["failed"]), (0, 0, 2, 1))
        self.assertEqual(self.db.count_customers(), 2)
        # A changed cell updates the one customer it belongs to.
        self.write("customers.csv", CSV.replace("上海", "杭州"))
        changed = self.db.import_file(path, system="erp")
        self.assertEqual((changed["inserted"], changed["updated"], changed["unchanged"]), (0, 1, 1))
        self.assertEqual(self.db.customer(self.db.find_external("erp", "C001"))["city"], "杭州")

    def test_mapping(self):
        path = self.write("客户.csv", "编号,姓名,手机,备注\nA1,李雷,13500001111,老客户\n")
        report = self.db.import_file(path, system="shop",
                                     mapping={"编号": "external_id", "姓名": "display_name",
                                              "手机": "phones", "备注": "-"})
        self.assertEqual(report["inserted"], 1)
        c = self.db.customer(self.db.find_external("shop", "A1"))
        self.assertEqual(c["display_name"], "李雷")
        self.assertNotIn("notes", c)
        with self.assertRaises(crmlite.InvalidInput) as cm:
            self.db.import_file(path, system="shop", mapping={"编号": "shoe_size"})
        self.assertIn("mapping", str(cm.exception))

    def test_option_errors(self):
        path = self.write("c.csv", CSV)
        with self.assertRaises(crmlite.InvalidInput) as cm:
            self.db.import_file(path, format="xlsx")
        self.assertIn("format", str(cm.exception))
        with self.assertRaises(crmlite.InvalidInput) as cm:
            self.db.import_file(path, records="orders")
        self.assertIn("records", str(cm.exception))
        with self.assertRaises(crmlite.InvalidInput):
            self.db.import_file(path, batch_size=0)
        with self.assertRaises(crmlite.InvalidInput) as cm:
            self.db.import_file(path)  # external ids without a system
        self.assertIn("system", str(cm.exception))
        with self.assertRaises(crmlite.CrmError):
            self.db.import_file(self.file("missing.csv"))
        with self.assertRaises(TypeError):
            self.db.import_file(path, system="erp", progress=42)
        self.assertEqual(self.db.count_customers(), 0)

    def test_progress_reports_rows(self):
        calls = []
        report = self.db.import_file(self.big_csv(50), system="erp", batch_size=10,
                                     progress=lambda done, total: calls.append((done, total)))
        # A callback returning None (no return statement) does not cancel.
        self.assertEqual(report["inserted"], 50)
        self.assertGreaterEqual(len(calls), 5)
        dones = [d for d, _ in calls]
        self.assertEqual(dones, sorted(dones))
        self.assertEqual(calls[-1], (50, 50))

    def test_cancel_via_progress(self):
        calls = []

        def progress(done, total):
            calls.append(done)
            return done < 20  # cancel at the second batch

        with self.assertRaises(crmlite.Canceled) as cm:
            self.db.import_file(self.big_csv(50), system="erp", batch_size=10, progress=progress)
        self.assertEqual(cm.exception.status_name, "CRM_ECANCELED")
        self.assertEqual(calls, [10, 20])
        self.assertEqual(self.db.count_customers(), 0)  # nothing imported, not even batch 1
        self.assertIsNone(self.db.find_external("erp", "K000"))

    def test_exception_in_progress_is_reraised(self):
        def progress(done, total):
            if done >= 20:
                raise Stop(f"stopped at {done}")
            return True

        with self.assertRaises(Stop) as cm:
            self.db.import_file(self.big_csv(50), system="erp", batch_size=10, progress=progress)
        self.assertEqual(str(cm.exception), "stopped at 20")
        self.assertEqual(self.db.count_customers(), 0)
        # The database is usable afterwards and a clean run imports everything.
        report = self.db.import_file(self.big_csv(50), system="erp", progress=lambda d, t: True)
        self.assertEqual(report["inserted"], 50)

    def test_jsonl_interactions_by_customer_external_id(self):
        self.db.import_file(self.write("c.csv", CSV), system="erp")
        lines = [
            {"external_id": "O1", "customer_external_id": "C001", "kind": "order",
             "amount_minor": 9900, "currency": "CNY", "occurred_at": "2026-02-01T10:00:00+08:00"},
            {"external_id": "O2", "customer_external_id": "C999", "kind": "order",
             "amount_minor": 100, "currency": "CNY"},
        ]
        path = self.write("orders.jsonl", "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in lines))
        report = self.db.import_file(path, records="interactions", system="erp")
        self.assertEqual((report["inserted"], report["failed"]), (1, 1))
        self.assertEqual(report["errors"][0]["line"], 2)
        again = self.db.import_file(path, records="interactions", system="erp")
        self.assertEqual((again["inserted"], again["unchanged"]), (0, 1))
        cid = self.db.find_external("erp", "C001")
        totals = self.db.view(cid)["order_totals"]
        self.assertEqual([(t["currency"], t["amount_minor"]) for t in totals], [("CNY", 9900)])


class Export(DbTestCase):
    def test_export_customers_and_reimport(self):
        a = self.add("王小明", phones=["13812345678"], external_ids={"erp": "C001"}, tags=["VIP"])
        self.add("Mary Johnson", external_ids={"erp": "C002"})
        self.db.add_interaction({"customer_id": a, "kind": "call", "subject": "回访"})
        path = self.file("out.jsonl")
        self.assertEqual(self.db.export_file("customers", path), {"rows": 2})
        with open(path, encoding="utf-8") as f:
            rows = [json.loads(line) for line in f]
        self.assertEqual(sorted(r["display_name"] for r in rows), ["Mary Johnson", "王小明"])
        self.assertEqual(self.db.export_file("interactions", self.file("i.jsonl")), {"rows": 1})
        # Into the same database: each record comes back as itself.
        same = self.db.import_file(path)
        self.assertEqual((same["inserted"], same["unchanged"], same["failed"]), (0, 2, 0))

        # Into a fresh database, keyed by the erp ids: everything arrives once,
        # re-importing changes nothing.
        with crmlite.Database(self.file("copy.crm")) as copy:
            first = copy.import_file(path, system="erp")
            self.assertEqual((first["inserted"], first["failed"]), (2, 0))
            second = copy.import_file(path, system="erp")
            self.assertEqual((second["inserted"], second["failed"]), (0, 0))
            self.assertEqual(copy.count_customers(), 2)
            c = copy.customer(copy.find_external("erp", "C001"))
            self.assertEqual((c["display_name"], c["tags"]), ("王小明", ["VIP"]))

    def test_export_errors(self):
        with self.assertRaises(crmlite.InvalidInput) as cm:
            self.db.export_file("orders", self.file("x.jsonl"))
        self.assertIn("records", str(cm.exception))
        with self.assertRaises(crmlite.CrmError):
            self.db.export_file("customers", self.file("no/such/dir/x.jsonl"))


if __name__ == "__main__":
    unittest.main()

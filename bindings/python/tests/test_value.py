"""Customer value and lifecycle through the Python binding: RFM checked
against an independent computation in plain Python, tasks and reminders,
follow-up rules, lifecycle, dynamic tags, churn risk and reports."""

import datetime
import random
import unittest

import crmlite
from _support import DbTestCase

DAY = datetime.timedelta(days=1)
UTC = datetime.timezone.utc
AS_OF = datetime.datetime(2026, 6, 30, 12, 0, tzinfo=UTC)


def iso(t):
    return t.isoformat()


def default_segment(r, f, m):
    """The default 125-cell table, transcribed independently of the library."""
    if r == 5:
        return "New Customers" if f == 1 else "Potential Loyalist" if f <= 3 else ("Champions" if m >= 3 else "Loyal")
    if r == 4:
        return ("Promising", "Potential Loyalist", "Loyal")[f - 1] if f <= 3 else ("Champions" if m >= 4 else "Loyal")
    if r == 3:
        return "About To Sleep" if f == 1 else "Need Attention" if f <= 3 else "Loyal"
    if f == 1:
        return "Hibernating" if r == 2 else "Lost"
    if f == 2:
        return "About To Sleep" if r == 2 else "Hibernating"
    if f == 3:
        return "At Risk"
    return "Cannot Lose Them" if m >= 4 else "At Risk"


def scores(values, ids, method):
    """Scores 1-5 where a larger value is better."""
    n = len(values)
    order = sorted(range(n), key=lambda i: (values[i], ids[i]))
    out = [0] * n
    if method == "ntile":
        q, r = divmod(n, 5)
        for p, i in enumerate(order):
            out[i] = (p // (q + 1) if p < r * (q + 1) else r + (p - r * (q + 1)) // q) + 1
        return out
    distinct = sorted(set(values))
    dense = {v: k + 1 for k, v in enumerate(distinct)}
    for i in range(n):
        worse = sum(1 for v in values if v < values[i])
        out[i] = 1 + 5 * worse // n if method == "quantile" else 1 + 5 * (dense[values[i]] - 1) // len(distinct)
    return out


class Rfm(DbTestCase):
    def populate(self, seed, n):
        rng = random.Random(seed)
        self.orders = {}
        self.db.begin()
        for k in range(n):
            cid = self.add(f"客户{k}")
            self.orders[cid] = []
            for _ in range(rng.randrange(0, 7)):
                at = AS_OF - DAY * rng.randrange(0, 500) - datetime.timedelta(seconds=rng.randrange(86400))
                amount = rng.randrange(1, 6) * 1000
                kind = rng.choice(["order"] * 8 + ["refund"])
                status = "cancelled" if rng.random() < 0.1 else None
                rec = {"customer_id": cid, "kind": kind, "occurred_at": iso(at), "amount_minor": amount, "currency": "CNY"}
                if status:
                    rec["status"] = status
                self.db.add_interaction(rec)
                self.orders[cid].append((kind, status, at, amount))
        self.db.commit()

    def expected(self, method, window_days=365):
        start = AS_OF - DAY * window_days
        agg = {}
        for cid, rows in self.orders.items():
            freq, mon, last = 0, 0, None
            for kind, status, at, amount in rows:
                if status == "cancelled" or not (start < at <= AS_OF):
                    continue
                if kind == "order":
                    freq += 1
                    mon += amount
                    last = at if last is None or at > last else last
                else:
                    mon -= amount
            agg[cid] = (freq, mon, last)
        buyers = sorted(c for c, (f, _, _) in agg.items() if f > 0)
        as_of_day = AS_OF.date()
        rec = [(as_of_day - agg[c][2].date()).days for c in buyers]
        r = scores([-x for x in rec], buyers, method)
        f = scores([agg[c][0] for c in buyers], buyers, method)
        m = scores([agg[c][1] for c in buyers], buyers, method)
        by_value = sorted(range(len(buyers)), key=lambda i: (-agg[buyers[i]][1], buyers[i]))
        n = len(buyers)
        core, pot = int(n * 0.1 + 0.5), int(n * 0.4 + 0.5)
        tier = {}
        for pos, i in enumerate(by_value):
            tier[buyers[i]] = "core" if pos < core else "potential" if pos < pot else "base"
        out = {}
        for c in agg:
            out[c] = {"frequency": agg[c][0], "monetary": agg[c][1], "segment": "No Purchases", "tier": "base",
                      "r": None, "f": None, "m": None, "recency_days": None}
        for k, c in enumerate(buyers):
            out[c].update(r=r[k], f=f[k], m=m[k], recency_days=rec[k], segment=default_segment(r[k], f[k], m[k]), tier=tier[c])
        return out

    def test_rfm_equals_an_independent_python_computation(self):
        self.populate(11, 250)
        for method in ("ntile", "quantile", "rank_bins"):
            with self.subTest(method=method):
                summary = self.db.rfm_compute(AS_OF, {"method": method})
                want = self.expected(method)
                self.assertEqual(summary["customers"], 250)
                self.assertGreater(summary["buyers"], 150)
                for cid, exp in want.items():
                    got = self.db.rfm(cid)
                    self.assertEqual({k: got[k] for k in exp}, exp, cid)

    def test_refresh_snapshots_and_movement(self):
        self.populate(3, 60)
        first = self.db.rfm_compute(AS_OF)
        cid = next(iter(self.orders))
        self.db.add_interaction({"customer_id": cid, "kind": "order", "occurred_at": iso(AS_OF + DAY / 2),
                                 "amount_minor": 10 ** 7, "currency": "CNY"})
        second = self.db.rfm_refresh(AS_OF + DAY)
        self.assertEqual(second["mode"], "incremental")
        self.assertEqual(self.db.rfm(cid)["tier"], "core")
        self.assertEqual([s["id"] for s in self.db.rfm_snapshots()], [second["snapshot"], first["snapshot"]])
        mv = self.db.rfm_movement()
        self.assertEqual(mv["moved"] + mv["stayed"], 60)
        table = crmlite.Database.rfm_default_segments()
        self.assertEqual(len(table), 125)
        self.assertEqual(len(set(table.values())), 11)
        for cell, seg in table.items():
            self.assertEqual(seg, default_segment(*map(int, cell)))

    def test_bad_parameters(self):
        with self.assertRaises(crmlite.InvalidInput) as cm:
            self.db.rfm_compute(AS_OF, {"method": "median"})
        self.assertIn("rfm.method", str(cm.exception))
        with self.assertRaises(crmlite.NotFound):
            self.db.rfm(self.add("x"))


class Lifecycle(DbTestCase):
    def test_tasks_rules_stages_tags_churn_reports(self):
        cid = self.add("王小明", owner="li")
        self.db.add_interaction({"customer_id": cid, "kind": "order", "occurred_at": "2026-06-01T10:00:00Z",
                                 "amount_minor": 5000, "currency": "CNY"})
        tid = self.db.create_task({"customer_id": cid, "kind": "call", "due_at": "2026-07-02T09:00:00Z", "assignee": "li"})
        self.assertEqual(self.db.due_tasks(now="2026-07-01T00:00:00Z"), [])
        due = self.db.due_tasks(now=datetime.datetime(2026, 7, 3, tzinfo=UTC), assignee="li")
        self.assertEqual([t["id"] for t in due], [tid])
        self.db.snooze_task(tid, "2026-07-05T00:00:00Z")
        self.assertEqual(self.db.due_tasks(now="2026-07-03T00:00:00Z"), [])
        self.db.complete_task(tid, at="2026-07-04T00:00:00Z")
        self.assertEqual(self.db.task(tid)["status"], "done")
        self.db.update_task(tid, {"notes": "已完成"})
        self.assertEqual(self.db.customer_tasks(cid)[0]["notes"], "已完成")
        with self.assertRaises(crmlite.InvalidInput):
            self.db.create_task({"customer_id": cid, "kind": "call"})
        self.db.delete_task(tid)
        self.assertEqual(self.db.customer_tasks(cid), [])
        with self.assertRaises(crmlite.NotFound):
            self.db.delete_task(tid)

        self.assertEqual(len(self.db.install_default_followup_rules()), 3)
        rid = self.db.save_followup_rule({"name": "x", "definition": {"trigger": "new_customer", "within_days": 1}})
        self.assertEqual(len(self.db.followup_rules()), 4)
        self.assertEqual(self.db.run_followup_rules()["created"], 2)
        self.assertEqual(self.db.run_followup_rules()["created"], 0)
        self.db.delete_followup_rule(rid)

        self.assertEqual(self.db.suggest_stage(cid, "2026-07-01T00:00:00Z")["stage"], "customer")
        self.assertEqual(self.db.apply_stage_rules("2026-07-01T00:00:00Z")["changed"], 1)
        self.db.set_stage(cid, "loyal")
        self.assertEqual([h["stage"] for h in self.db.stage_history(cid)], ["customer", "loyal"])

        trid = self.db.save_tag_rule({"name": "buyers", "tag": "行为/买家",
                                      "condition": {"agg": "count", "kind": "order", "op": "gte", "value": 1}})
        with self.assertRaises(crmlite.InvalidInput) as cm:
            self.db.save_tag_rule({"name": "bad", "tag": "x", "condition": {"field": "shoe_size", "op": "eq", "value": 1}})
        self.assertIn("tag_rule.condition.field", str(cm.exception))
        self.assertEqual(self.db.apply_tag_rules(now="2026-07-01T00:00:00Z")["added"], 1)
        self.assertEqual(self.db.refresh_tag_rules()["evaluated"], 0)
        self.assertEqual(self.db.apply_tag_rules(customer_id=cid)["evaluated"], 1)
        self.assertEqual([r["id"] for r in self.db.tag_rules()], [trid])
        self.db.delete_tag_rule(trid)

        # One purchase 183 days ago against the default 60-day interval: 0.6 x (3.05 - 1) / (3.05 + 1).
        self.assertAlmostEqual(self.db.churn_score(cid, "2026-12-01T00:00:00Z")["score"], round(0.6 * 2.05 / 4.05, 4))
        self.assertEqual(self.db.at_risk("2026-12-01T00:00:00Z")["count"], 1)
        self.db.rfm_compute("2026-07-01T00:00:00Z")
        self.assertEqual(self.db.value_report("repeat_rate")["buyers"], 1)
        self.assertEqual(self.db.value_report("aov")["aov"], 5000)
        self.assertIn("stages", self.db.value_report("funnel"))
        with self.assertRaises(crmlite.InvalidInput):
            self.db.value_report("weather", {})


if __name__ == "__main__":
    unittest.main()

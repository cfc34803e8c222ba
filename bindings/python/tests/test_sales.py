"""Sales and marketing through the Python binding: pipelines, opportunities,
leads with assignment and conversion, campaigns with consent and attribution,
and the reports."""

import unittest

import crmlite
from _support import DbTestCase


class SalesTest(DbTestCase):
    def setUp(self):
        super().setUp()
        self.pipeline = self.db.create_pipeline({
            "name": "Standard",
            "stages": [{"name": "Lead", "probability": 10}, {"name": "Proposal", "probability": 50}]})
        self.stages = {s["name"]: s["id"] for s in self.pipeline["stages"]}

    def test_pipeline_and_forecast(self):
        self.assertEqual(list(self.stages), ["Lead", "Proposal", "Won", "Lost"])
        c = self.db.create_customer({"display_name": "王小明"})
        a = self.db.add_opportunity({"customer_id": c, "name": "A", "amount_minor": 12345, "currency": "CNY",
                                     "expected_close": "2026-12-01", "owner": "alice"})
        self.db.add_opportunity({"customer_id": c, "name": "B", "amount_minor": 1001, "currency": "CNY",
                                 "expected_close": "2026-12-09", "owner": "alice", "stage_id": self.stages["Proposal"]})
        # Hand computation: (12345*10 + 1001*50) / 100 = (123450 + 50050) / 100 = 1735
        rows = self.db.sales_report("forecast", group_by="owner")["rows"]
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows[0]["pipeline_minor"], 13346)
        self.assertEqual(rows[0]["weighted_minor"], 1735)
        self.db.update_opportunity(a, {"stage_id": self.stages["Proposal"], "by": "alice"})
        self.db.update_opportunity(a, {"status": "won"})
        got = self.db.opportunity(a)
        self.assertEqual(got["status"], "won")
        self.assertEqual([h["stage"] for h in got["stage_history"]], ["Lead", "Proposal", "Won"])
        self.assertEqual(len(self.db.opportunities(status="open")), 1)
        with self.assertRaises(crmlite.InvalidInput) as e:
            self.db.update_opportunity(a, {"status": "lost"})
        self.assertIn("opportunity.close_reason", str(e.exception))
        with self.assertRaises(crmlite.NotFound):
            self.db.opportunity("00000000-0000-7000-8000-000000000000")
        self.db.update_stage(self.stages["Lead"], {"probability": 20})
        self.assertEqual(self.db.pipelines()[0]["stages"][0]["probability"], 20)
        by_stage = self.db.sales_report("pipeline")["pipelines"][0]["stages"]
        self.assertEqual(by_stage[1]["amounts"][0]["weighted_minor"], 501)  # 1001 at 50 %: 500.5 -> 501

    def test_leads_round_robin_and_conversion(self):
        self.db.add_assignment_rule({"name": "rr", "kind": "round_robin", "members": ["alice", "bob"]})
        self.assertEqual(self.db.assignment_rules()[0]["members"], ["alice", "bob"])
        owners = [self.db.capture_lead({"name": f"lead {i}", "source": "web"})["owner"] for i in range(4)]
        self.assertEqual(owners, ["alice", "bob", "alice", "bob"])
        known = self.db.create_customer({"display_name": "Chen", "emails": ["chen@example.cn"]})
        lead = self.db.capture_lead({"name": "陈", "email": "chen@example.cn", "source": "fair", "assign": False})
        self.assertEqual(lead["customer_id"], known)
        self.db.update_lead(lead["id"], {"status": "qualified"})
        self.assertEqual(self.db.assign_lead(lead["id"], "carol", by="manager")["owner"], "carol")
        result = self.db.convert_lead(lead["id"], opportunity={"amount_minor": 900, "currency": "CNY"})
        self.assertFalse(result["created_customer"])
        self.assertEqual(result["customer_id"], known)
        events = [e["kind"] for e in self.db.lead(lead["id"])["events"]]
        self.assertEqual(events, ["captured", "status", "assigned", "converted"])
        funnel = {r["key"]: r for r in self.db.sales_report("funnel", by="source")["rows"]}
        self.assertEqual(funnel["fair"]["conversion_rate"], 1.0)
        self.assertEqual(funnel["web"]["total"], 4)
        self.assertEqual(len(self.db.leads(status="converted")), 1)
        with self.assertRaises(crmlite.AlreadyExists):
            self.db.convert_lead(lead["id"])
        with self.assertRaises(crmlite.InvalidInput) as e:
            self.db.capture_lead({"name": "x", "phone": "not a phone"})
        self.assertIn("lead.phone", str(e.exception))

    def test_assignment_rules_can_be_paused_changed_and_deleted(self):
        first = self.db.add_assignment_rule({"name": "east", "kind": "round_robin", "members": ["alice"], "priority": 1})
        self.db.add_assignment_rule({"name": "rest", "kind": "round_robin", "members": ["bob"], "priority": 2})
        self.assertEqual(self.db.capture_lead({"name": "lead 1", "source": "web"})["owner"], "alice")
        self.db.update_assignment_rule(first, {"active": False})
        self.assertEqual(self.db.capture_lead({"name": "lead 2", "source": "web"})["owner"], "bob")
        self.db.update_assignment_rule(first, {"active": True, "members": ["carol"]})
        self.assertEqual(self.db.capture_lead({"name": "lead 3", "source": "web"})["owner"], "carol")
        with self.assertRaises(crmlite.InvalidInput) as e:
            self.db.update_assignment_rule(first, {"kind": "territory"})
        self.assertIn("rule.region", str(e.exception))
        self.db.delete_assignment_rule(first)
        self.assertEqual([r["name"] for r in self.db.assignment_rules()], ["rest"])
        self.assertEqual(self.db.capture_lead({"name": "lead 4", "source": "web"})["owner"], "bob")
        with self.assertRaises(crmlite.NotFound):
            self.db.delete_assignment_rule(first)

    def test_campaign_consent_and_attribution(self):
        yes = self.db.create_customer({"display_name": "Yes", "consent_marketing": True})
        self.db.create_customer({"display_name": "No", "consent_marketing": False})
        camp = self.db.create_campaign({"name": "Spring", "starts_at": "2026-03-01", "cost_minor": 1000,
                                        "currency": "CNY", "attribution_days": 10})
        audience = self.db.campaign_audience(camp, freeze=True)
        self.assertEqual(audience["included"], 1)
        self.assertEqual(audience["excluded"]["no_marketing_consent"], 1)
        day = 86400000
        contact = 1772323200000 + day  # 2026-03-02T00:00:00Z
        self.db.set_member_status(camp, yes, "sent", at_ms=contact)
        self.db.add_interaction({"customer_id": yes, "kind": "order", "occurred_at": "2026-03-05T00:00:00Z",
                                 "amount_minor": 3000, "currency": "CNY"})
        self.db.add_interaction({"customer_id": yes, "kind": "order", "occurred_at": "2026-03-20T00:00:00Z",
                                 "amount_minor": 7000, "currency": "CNY"})  # outside the 10 days
        result = self.db.sales_report("campaigns", campaign_id=camp)["campaigns"][0]
        self.assertEqual(result["revenue"], [{"currency": "CNY", "amount_minor": 3000}])
        self.assertAlmostEqual(result["roi"], 2.0)
        self.assertEqual(self.db.campaign(camp)["member_statuses"], {"sent": 1})
        self.db.update_campaign(camp, {"status": "completed"})
        with self.assertRaises(crmlite.InvalidInput):
            self.db.set_member_status(camp, yes, "bounced")

    def test_deletes_sync_and_need_permission(self):
        c = self.db.create_customer({"display_name": "Wang", "owner": "alice", "consent_marketing": True})
        opp = self.db.add_opportunity({"customer_id": c, "name": "Tea", "amount_minor": 500, "currency": "CNY"})
        camp = self.db.create_campaign({"name": "Spring", "audience_mode": "dynamic"})
        lead = self.db.capture_lead({"name": "Zhao", "campaign_id": camp, "owner": "alice"})["id"]
        self.db.set_member_status(camp, c, "sent")
        other = crmlite.Database(self.file("other.crm"))
        try:
            def push(a, b):
                blob, _, more = a.sync_changes(0)
                self.assertFalse(more)
                return b.sync_apply(blob)
            push(self.db, other)
            # Concurrent: this replica deletes, the other edits; the delete wins on both.
            self.db.delete_opportunity(opp)
            self.db.delete_campaign(camp)
            other.update_opportunity(opp, {"amount_minor": 900})
            other.update_campaign(camp, {"status": "active"})
            push(other, self.db)
            push(self.db, other)
            push(other, self.db)
            for db in (self.db, other):
                with self.assertRaises(crmlite.NotFound):
                    db.opportunity(opp)
                with self.assertRaises(crmlite.NotFound):
                    db.campaign(camp)
                self.assertNotIn("campaign_id", db.lead(lead))  # the lead lost the link
            # Permissions: a sales rep may not delete; a manager only within its team.
            self.db.put_user({"name": "rep", "role": "sales"})
            self.db.put_user({"name": "boss", "role": "manager", "team": "west"})
            with crmlite.Database(self.path, principal="rep") as rep:
                with self.assertRaises(crmlite.PermissionDenied):
                    rep.delete_lead(lead)
            with crmlite.Database(self.path, principal="boss") as boss:
                with self.assertRaises(crmlite.PermissionDenied) as e:
                    boss.delete_lead(lead)
                self.assertIn("scope", str(e.exception))
            self.db.delete_lead(lead)
            with self.assertRaises(crmlite.NotFound):
                self.db.lead(lead)
            # A pipeline goes once no opportunity uses it.
            self.db.add_opportunity({"customer_id": c, "name": "Cup"})
            with self.assertRaises(crmlite.AlreadyExists):
                self.db.delete_pipeline(self.pipeline["id"])
            self.db.delete_customer(c)  # its opportunities go with it
            self.db.delete_pipeline(self.pipeline["id"])
            self.assertEqual(self.db.pipelines(), [])
        finally:
            other.close()


class SalesAccessTest(DbTestCase):
    """A sales principal lists only its own leads and opportunities, masked."""

    def test_scoped_lists_are_the_principals_own_and_masked(self):
        from crmlite.errors import PermissionDenied
        self.db.put_user({"name": "alice", "role": "sales"})
        self.db.put_user({"name": "bob", "role": "sales"})
        self.db.create_pipeline({"name": "P", "stages": [{"name": "Lead", "probability": 10}]})
        mine = self.db.capture_lead({"name": "王小明", "owner": "alice", "phone": "13812345678",
                                     "email": "xiaoming@example.com"})["id"]
        theirs = self.db.capture_lead({"name": "李四海", "owner": "bob", "phone": "13987654321"})["id"]
        alice_c = self.db.create_customer({"display_name": "A", "owner": "alice"})
        bob_c = self.db.create_customer({"display_name": "B", "owner": "bob"})
        self.db.add_opportunity({"customer_id": alice_c, "name": "mine", "amount_minor": 100, "currency": "CNY"})
        bob_o = self.db.add_opportunity({"customer_id": bob_c, "name": "theirs", "amount_minor": 900, "currency": "CNY"})
        with crmlite.Database(self.path, principal="alice") as alice:
            leads = alice.leads()
            self.assertEqual([l["id"] for l in leads], [mine])
            self.assertEqual(leads[0]["phone"], "138****5678")
            self.assertEqual(leads[0]["email"], "x****@example.com")
            self.assertNotIn("13812345678", repr(leads))
            self.assertEqual([o["name"] for o in alice.opportunities()], ["mine"])
            with self.assertRaises(PermissionDenied):
                alice.lead(theirs)
            with self.assertRaises(PermissionDenied):
                alice.opportunity(bob_o)
            rows = alice.sales_report("forecast")["summary"]
            self.assertEqual(rows[0]["open_count"], 1)
        self.assertEqual(len(self.db.leads()), 2)  # the system sees every lead
        self.assertEqual(self.db.lead(mine)["phone"], "13812345678")


if __name__ == "__main__":
    unittest.main()

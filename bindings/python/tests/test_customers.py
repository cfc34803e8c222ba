"""Customers through the binding: create/get/update/delete, input errors, the
360-degree view and external ids."""

import datetime
import unittest
import uuid

import crmlite
from _support import DbTestCase


class CustomerRoundTrip(DbTestCase):
    def test_create_get_update_delete(self):
        cid = self.db.create_customer({
            "family_name": "王", "given_name": "小明", "gender": "male", "birthday": "1990-05-17",
            "city": "上海", "phones": ["138 1234 5678"], "emails": ["xm@example.cn"],
            "custom": {"vip": True, "积分": 120},
        })
        uuid.UUID(cid)  # a UUID string
        c = self.db.customer(cid)
        self.assertEqual(c["id"], cid)
        self.assertEqual(c["display_name"], "王小明")  # derived: family + given
        self.assertEqual(c["birthday"], "1990-05-17")
        self.assertEqual(c["city"], "上海")
        self.assertEqual(c["custom"], {"vip": True, "积分": 120})
        self.assertEqual([p["value"] for p in c["phones"]], ["138 1234 5678"])
        self.assertEqual([e["value"] for e in c["emails"]], ["xm@example.cn"])

        self.db.update_customer(cid, {"city": "北京", "stage": "customer"})
        c = self.db.customer(cid)
        self.assertEqual((c["city"], c["stage"]), ("北京", "customer"))

        self.db.delete_customer(cid)
        with self.assertRaises(crmlite.NotFound):
            self.db.customer(cid)
        self.assertEqual(self.db.count_customers(), 0)

    def test_partial_update_leaves_other_fields(self):
        cid = self.add("Ann Lee", birthday="1985-01-02", city="Paris", notes="likes tea",
                       phones=["+33 1 23 45 67 89"])
        before = self.db.customer(cid)
        self.db.update_customer(cid, {"city": "Lyon"})
        after = self.db.customer(cid)
        self.assertEqual(after["city"], "Lyon")
        for key in ("display_name", "birthday", "notes", "phones", "emails", "created_at", "kind"):
            self.assertEqual(after[key], before[key], key)
        # None clears one field and only that one.
        self.db.update_customer(cid, {"notes": None})
        cleared = self.db.customer(cid)
        self.assertNotIn("notes", cleared)
        self.assertEqual(cleared["birthday"], "1985-01-02")

    def test_json_text_is_accepted(self):
        cid = self.db.create_customer('{"display_name": "张伟", "city": "杭州"}')
        self.db.update_customer(cid, '{"city": "苏州"}')
        self.assertEqual(self.db.customer(cid)["city"], "苏州")

    def test_python_dates_and_uuids_are_accepted(self):
        cid = self.db.create_customer({"display_name": "Bo", "birthday": datetime.date(2001, 2, 3)})
        self.assertEqual(self.db.customer(uuid.UUID(cid))["birthday"], "2001-02-03")


class CustomerErrors(DbTestCase):
    def assertInvalid(self, field, fn, *args):
        with self.assertRaises(crmlite.InvalidInput) as cm:
            fn(*args)
        e = cm.exception
        self.assertIn(field, str(e))
        self.assertEqual(e.status, 2)
        self.assertEqual(e.status_name, "CRM_EINVAL")
        self.assertIsInstance(e, crmlite.CrmError)
        self.assertIsInstance(e, ValueError)
        return e

    def test_bad_birthday_names_the_field(self):
        self.assertInvalid("birthday", self.db.create_customer, {"display_name": "A", "birthday": "1990-02-30"})
        self.assertInvalid("birthday", self.db.create_customer, {"display_name": "A", "birthday": "soon"})
        self.assertEqual(self.db.count_customers(), 0)

    def test_unknown_field_names_the_field(self):
        self.assertInvalid("favourite_colour", self.db.create_customer,
                           {"display_name": "A", "favourite_colour": "blue"})
        cid = self.add("B")
        self.assertInvalid("shoe_size", self.db.update_customer, cid, {"shoe_size": 42})

    def test_wrong_type_names_the_field(self):
        self.assertInvalid("display_name", self.db.create_customer, {"display_name": 42})
        self.assertInvalid("consent_marketing", self.db.create_customer,
                           {"display_name": "A", "consent_marketing": "yes"})
        self.assertInvalid("gender", self.db.create_customer, {"display_name": "A", "gender": "robot"})

    def test_missing_name_is_invalid(self):
        self.assertInvalid("display_name", self.db.create_customer, {"city": "上海"})

    def test_bad_id(self):
        e = self.assertInvalid("id", self.db.customer, "not-a-uuid")
        self.assertIn("not-a-uuid", str(e))
        self.assertInvalid("id", self.db.delete_customer, "1234")
        self.assertInvalid("id", self.db.customer, "abc\0def")  # refused before C would truncate it

    def test_invalid_json_text(self):
        e = self.assertInvalid("customer", self.db.create_customer, '{"display_name": ')
        self.assertIn("JSON", str(e))
        self.assertInvalid("customer", self.db.create_customer, "[1, 2]")  # not an object

    def test_wrong_python_type_is_a_type_error(self):
        with self.assertRaises(TypeError):
            self.db.customer(12345)
        with self.assertRaises(TypeError):
            self.db.create_customer({"display_name": "A", "custom": {"x": object()}})

    def test_missing_ids_raise_not_found(self):
        missing = str(uuid.uuid4())
        for fn, args in [(self.db.customer, ()), (self.db.view, ()), (self.db.delete_customer, ()),
                         (self.db.update_customer, ({"city": "x"},)),
                         (self.db.interaction, ()), (self.db.delete_interaction, ()),
                         (self.db.tag, ("vip",))]:
            with self.subTest(fn=fn.__name__):
                with self.assertRaises(crmlite.NotFound) as cm:
                    fn(missing, *args)
                self.assertEqual(cm.exception.status_name, "CRM_ENOTFOUND")
                self.assertIsInstance(cm.exception, LookupError)
                self.assertIn(missing, str(cm.exception))


class ExternalIdsAndView(DbTestCase):
    def test_find_external(self):
        cid = self.add("Acme", kind="company", external_ids={"erp": "C001"})
        self.assertEqual(self.db.find_external("erp", "C001"), cid)
        self.assertIsNone(self.db.find_external("erp", "C999"))
        self.assertIsNone(self.db.find_external("shop", "C001"))
        with self.assertRaises(crmlite.AlreadyExists) as cm:
            self.add("Other", external_ids={"erp": "C001"})
        self.assertIn("C001", str(cm.exception))
        self.assertEqual(self.db.count_customers(), 1)

    def test_view_of_a_customer(self):
        cid = self.add("王小明", phones=["13812345678"], tags=["VIP"])
        t0 = datetime.datetime(2026, 1, 5, 9, 0, tzinfo=datetime.timezone.utc)
        self.db.add_interaction({"customer_id": cid, "kind": "order", "amount_minor": 12900,
                                 "currency": "CNY", "occurred_at": t0})
        self.db.add_interaction({"customer_id": cid, "kind": "order", "amount_minor": 100,
                                 "currency": "CNY", "occurred_at": t0 + datetime.timedelta(days=1)})
        self.db.add_interaction({"customer_id": cid, "kind": "call", "subject": "回访",
                                 "occurred_at": "2026-01-07T10:00:00+08:00"})
        v = self.db.view(cid)
        self.assertEqual(v["profile"]["id"], cid)
        self.assertEqual(v["tags"], ["VIP"])
        self.assertEqual(v["interaction_counts"], {"call": 1, "order": 2})
        self.assertEqual(v["order_totals"], [{"currency": "CNY", "orders": 2, "amount_minor": 13000,
                                              "last_order_at": "2026-01-06T09:00:00.000Z"}])
        self.assertEqual([i["kind"] for i in v["latest_interactions"]], ["call", "order", "order"])
        self.assertEqual(v["first_interaction_at"], "2026-01-05T09:00:00.000Z")
        self.assertEqual(v["last_interaction_at"], "2026-01-07T02:00:00.000Z")


if __name__ == "__main__":
    unittest.main()

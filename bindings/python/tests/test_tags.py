"""Tags: creation, the hierarchy, assignment, and the tags_* filters."""

import unittest

import crmlite
from _support import DbTestCase


class Tags(DbTestCase):
    def test_create_is_idempotent_and_builds_ancestors(self):
        tid = self.db.create_tag("行业/制造业/汽车", kind="value")
        self.assertEqual(self.db.create_tag("行业/制造业/汽车"), tid)
        tags = {t["path"]: t for t in self.db.tags()}
        self.assertEqual(sorted(tags), ["行业", "行业/制造业", "行业/制造业/汽车"])
        leaf = tags["行业/制造业/汽车"]
        self.assertEqual((leaf["id"], leaf["name"], leaf["level"], leaf["kind"]), (tid, "汽车", 3, "value"))
        self.assertEqual(leaf["parent_id"], tags["行业/制造业"]["id"])
        self.assertNotIn("parent_id", tags["行业"])

    def test_bad_paths(self):
        with self.assertRaises(crmlite.InvalidInput) as cm:
            self.db.create_tag("a/b/c/d")
        self.assertIn("three levels", str(cm.exception))
        with self.assertRaises(crmlite.InvalidInput):
            self.db.create_tag("a//b")
        with self.assertRaises(crmlite.InvalidInput) as cm:
            self.db.create_tag("a", kind="shiny")
        self.assertIn("kind", str(cm.exception))

    def test_tag_untag_and_delete(self):
        cid = self.add("王小明")
        self.db.tag(cid, "VIP")
        self.db.tag(cid, "渠道/线上")
        self.db.tag(cid, "VIP")  # idempotent
        self.assertEqual(self.db.customer(cid)["tags"], ["VIP", "渠道/线上"])
        counts = {t["path"]: t["count"] for t in self.db.tags()}
        self.assertEqual(counts["VIP"], 1)
        self.db.untag(cid, "VIP")
        self.assertEqual(self.db.customer(cid)["tags"], ["渠道/线上"])
        with self.assertRaises(crmlite.InvalidInput) as cm:
            self.db.delete_tag("渠道")  # has a child
        self.assertIn("child", str(cm.exception))
        self.db.delete_tag("渠道/线上")
        self.assertEqual(self.db.customer(cid)["tags"], [])
        with self.assertRaises(crmlite.NotFound):
            self.db.delete_tag("渠道/线上")

    def test_tag_filters(self):
        a = self.add("A", tags=["VIP", "行业/制造业"])
        b = self.add("B", tags=["VIP"])
        c = self.add("C", tags=["行业/零售"])
        self.add("D")
        del a, b, c

        def names(**flt):
            return self.names(self.db.query_customers(filter=flt))

        self.assertEqual(names(tags_all=["VIP"]), ["A", "B"])
        self.assertEqual(names(tags_all=["VIP", "行业"]), ["A"])  # a tag matches its children
        self.assertEqual(names(tags_any=["VIP", "行业/零售"]), ["A", "B", "C"])
        self.assertEqual(names(tags_any=["行业"]), ["A", "C"])
        self.assertEqual(names(tags_none=["VIP"]), ["C", "D"])
        self.assertEqual(names(tags_none=["VIP", "行业"]), ["D"])
        self.assertEqual(self.db.count_customers({"tags_any": ["行业/制造业"]}), 1)


if __name__ == "__main__":
    unittest.main()

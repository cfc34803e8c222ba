"""Full-text search: Chinese substrings, Latin prefixes, phone digits."""

import unittest

import crmlite
from _support import DbTestCase


class Search(DbTestCase):
    def setUp(self):
        super().setUp()
        self.xiaoming = self.add("王小明", phones=["+86 138 1234 5678"])
        self.add("王芳", phones=["139 0000 1111"])
        self.add("张伟", notes="老客户")
        self.add("Mary Johnson", emails=["mary@example.com"])
        self.add("Peter Smith")

    def titles(self, q, **kw):
        return [h["title"] for h in self.db.search(q, **kw)]

    def test_chinese_substring(self):
        hits = list(self.db.search("小明"))
        self.assertEqual([h["title"] for h in hits], ["王小明"])
        h = hits[0]
        self.assertEqual((h["type"], h["id"], h["customer_id"]), ("customer", self.xiaoming, self.xiaoming))
        self.assertIn("小明", h["snippet"])

    def test_single_han_character_finds_every_wang(self):
        self.assertEqual(sorted(self.titles("王")), sorted(["王小明", "王芳"]))

    def test_latin_prefix(self):
        self.assertEqual(self.titles("joh"), ["Mary Johnson"])
        self.assertEqual(self.titles("JOHNSON"), ["Mary Johnson"])
        self.assertEqual(self.titles("smi"), ["Peter Smith"])

    def test_phone_last_digits(self):
        self.assertEqual(self.titles("5678"), ["王小明"])
        self.assertEqual(self.titles("1111"), ["王芳"])

    def test_no_hits_and_limit(self):
        self.assertEqual(self.titles("不存在的名字"), [])
        self.assertEqual(len(self.titles("王", limit=1)), 1)

    def test_scope(self):
        cid = self.add("李雷")
        self.db.add_interaction({"customer_id": cid, "kind": "email", "subject": "报价单已发送"})
        hits = list(self.db.search("报价", scope="interactions"))
        self.assertEqual([(h["type"], h["customer_id"]) for h in hits], [("interaction", cid)])
        self.assertEqual(self.titles("报价", scope="customers"), [])
        self.assertEqual([h["type"] for h in self.db.search("报价")], ["interaction"])
        with self.assertRaises(crmlite.InvalidInput) as cm:
            self.db.search("x", scope="everywhere")
        self.assertIn("search.in", str(cm.exception))

    def test_search_results_have_no_token(self):
        with self.db.search("王") as cur:
            list(cur)
            self.assertIsNone(cur.token())


if __name__ == "__main__":
    unittest.main()

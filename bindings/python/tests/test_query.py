"""Listing customers: sort by name, keyset pagination, filters and counts."""

import unittest

import crmlite
from _support import DbTestCase

# In the order the "name" sort gives: Chinese by pinyin among Latin names,
# case- and accent-insensitive.
SORTED_NAMES = ["阿明", "anna berg", "bob", "Émile Zola", "李雷", "Mike Chen", "王小明", "张伟", "Zoe Adams"]


class Listing(DbTestCase):
    def setUp(self):
        super().setUp()
        for name in reversed(SORTED_NAMES):  # insertion order must not matter
            self.add(name)

    def test_sorted_by_name(self):
        with self.db.query_customers(sort="name") as cur:
            rows = list(cur)
        self.assertEqual(self.names(rows), SORTED_NAMES)
        self.assertEqual(self.names(self.db.query_customers(sort="name", order="desc")),
                         SORTED_NAMES[::-1])
        self.assertEqual(self.names(self.db.query_customers()), SORTED_NAMES)  # name is the default

    def test_two_pages_via_token_equal_one_full_listing(self):
        full = [r["id"] for r in self.db.query_customers(sort="name", limit=100)]
        pages, after = [], None
        while True:
            with self.db.query_customers(sort="name", limit=4, after=after) as cur:
                page = [r["id"] for r in cur]
                after = cur.token()
            if not page:
                self.assertIsNone(after)  # no row returned: no token
                break
            self.assertLessEqual(len(page), 4)
            pages.append(page)
        self.assertEqual([len(p) for p in pages], [4, 4, 1])
        joined = [i for p in pages for i in p]
        self.assertEqual(joined, full)
        self.assertEqual(len(set(joined)), len(joined))  # no overlap

    def test_pagination_descending_and_by_creation(self):
        for sort in ("name", "created_at", "name_codepoint"):
            for order in ("asc", "desc"):
                with self.subTest(sort=sort, order=order):
                    full = [r["id"] for r in self.db.query_customers(sort=sort, order=order)]
                    first = self.db.query_customers(sort=sort, order=order, limit=5)
                    page1 = [r["id"] for r in first]
                    rest = [r["id"] for r in self.db.query_customers(sort=sort, order=order,
                                                                     after=first.token())]
                    first.close()
                    self.assertEqual(page1 + rest, full)

    def test_token_is_none_before_first_row(self):
        with self.db.query_customers(limit=1) as cur:
            self.assertIsNone(cur.token())
            next(cur)
            self.assertIsInstance(cur.token(), str)

    def test_bad_query_arguments(self):
        with self.assertRaises(crmlite.InvalidInput) as cm:
            self.db.query_customers(sort="shoe_size")
        self.assertIn("sort", str(cm.exception))
        with self.assertRaises(crmlite.InvalidInput) as cm:
            self.db.query_customers(filter={"colour": "red"})
        self.assertIn("filter.colour", str(cm.exception))
        with self.assertRaises(crmlite.InvalidInput) as cm:
            self.db.query_customers(after="not a token")
        self.assertIn("after", str(cm.exception))
        with self.assertRaises(crmlite.InvalidInput):
            self.db.query_customers(limit=0)

    def test_full_rows(self):
        rows = list(self.db.query_customers(full=True, limit=2))
        self.assertEqual(len(rows), 2)
        self.assertIn("created_at", rows[0])
        self.assertIn("external_ids", rows[0])


class FiltersAndCounts(DbTestCase):
    def test_count_with_filter(self):
        self.add("A", city="上海", stage="customer")
        self.add("B", city="上海", stage="prospect")
        self.add("C", city="北京", stage="customer")
        self.assertEqual(self.db.count_customers(), 3)
        self.assertEqual(self.db.count_customers({}), 3)
        self.assertEqual(self.db.count_customers({"city": "上海"}), 2)
        self.assertEqual(self.db.count_customers({"city": "上海", "stage": "customer"}), 1)
        self.assertEqual(self.db.count_customers({"stage": ["customer", "prospect"]}), 3)
        self.assertEqual(self.db.count_customers('{"city": "北京"}'), 1)
        self.assertEqual(self.names(self.db.query_customers(filter={"city": "上海"})), ["A", "B"])
        with self.assertRaises(crmlite.InvalidInput) as cm:
            self.db.count_customers({"cty": "上海"})
        self.assertIn("cty", str(cm.exception))

    def test_custom_field_filter(self):
        self.add("A", custom={"tier": "gold"})
        self.add("B", custom={"tier": "silver"})
        self.assertEqual(self.names(self.db.query_customers(filter={"custom": {"tier": "gold"}})), ["A"])


if __name__ == "__main__":
    unittest.main()

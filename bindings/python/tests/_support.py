"""Shared fixtures: each test gets its own database in a temporary directory,
and the leak oracle (crmlite.live_handles() == 0) is asserted at teardown."""

import gc
import os
import tempfile
import unittest

import crmlite


class TempDirTestCase(unittest.TestCase):
    """A temporary directory; asserts no C handle outlives the test."""

    def setUp(self):
        tmp = tempfile.TemporaryDirectory(prefix="crmlite-py-")
        self.addCleanup(tmp.cleanup)
        self.dir = tmp.name
        self.assertEqual(crmlite.live_handles(), 0, "handles leaked by an earlier test")

    def tearDown(self):
        gc.collect()
        self.assertEqual(crmlite.live_handles(), 0, "a C handle outlived the test")

    def file(self, name):
        return os.path.join(self.dir, name)


class DbTestCase(TempDirTestCase):
    """TempDirTestCase with an open database `self.db` at `self.path`."""

    def setUp(self):
        super().setUp()
        self.path = self.file("test.crm")
        self.db = crmlite.Database(self.path)

    def tearDown(self):
        self.db.close()
        super().tearDown()

    def add(self, name, **fields):
        """Creates a customer named `name` with extra fields; returns its id."""
        return self.db.create_customer(dict(display_name=name, **fields))

    def names(self, rows):
        return [r["display_name"] for r in rows]

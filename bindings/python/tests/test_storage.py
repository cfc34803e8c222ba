"""Encryption at rest, online backup, verification and restore through Python."""

import os
import unittest

import crmlite

from _support import TempDirTestCase

KEY = bytes(range(32))
SECRETS = ["慕容复".encode(), "Ingrid Bergström".encode(), b"13912345678"]


def raw(path):
    with open(path, "rb") as f:
        return f.read()


def fill(db, n=20):
    with db.transaction():
        for i in range(n):
            db.create_customer({"display_name": ("慕容复 " if i % 2 else "Ingrid Bergström ") + str(i),
                                "phones": ["1391234%04d" % (5678 + i)]})


class EncryptionTest(TempDirTestCase):
    def test_an_encrypted_file_holds_no_plaintext_and_needs_its_key(self):
        path = self.file("enc.crm")
        with crmlite.Database(path, key=KEY) as db:
            self.assertTrue(db.encrypted)
            fill(db)
            # While open, the writes sit in the WAL.
            wal = raw(path + "-wal")
            self.assertGreater(len(wal), 4096)
            for s in SECRETS:
                self.assertNotIn(s, wal)
        data = raw(path)
        for s in SECRETS:
            self.assertNotIn(s, data)
        with self.assertRaises(crmlite.NotADatabase):
            crmlite.Database(path)
        with self.assertRaises(crmlite.NotADatabase) as cm:
            crmlite.Database(path, key=bytes(32))
        self.assertIn("wrong key", str(cm.exception))
        with self.assertRaises(crmlite.InvalidInput):
            crmlite.Database(path, key=b"short")
        with crmlite.Database(path, key=KEY) as db:
            self.assertEqual(db.count_customers(), 20)

    def test_a_passphrase_opens_the_file(self):
        path = self.file("pass.crm")
        with crmlite.Database(path, passphrase="芝麻开门 open sesame") as db:
            fill(db, 4)
        with crmlite.Database(path, passphrase="芝麻开门 open sesame") as db:
            self.assertEqual(db.count_customers(), 4)
        with self.assertRaises(crmlite.NotADatabase):
            crmlite.Database(path, passphrase="open sesame")
        with self.assertRaises(crmlite.InvalidInput):
            crmlite.Database(path, passphrase="x", key=KEY)

    def test_a_modified_page_is_corruption_not_data(self):
        path = self.file("enc.crm")
        with crmlite.Database(path, key=KEY) as db:
            fill(db, 60)
        data = bytearray(raw(path))
        self.assertGreater(len(data), 4096 * 4)
        data[4096 * 2 + 300] ^= 0x10
        with open(path, "wb") as f:
            f.write(data)
        # The damaged page is found at open (if opening reads it) or by the
        # integrity check; it never reads as data.
        try:
            with crmlite.Database(path, key=KEY) as db:
                report = db.integrity_check()
                self.assertFalse(report["ok"])
                self.assertTrue(report["problems"])
        except crmlite.Corrupt:
            pass


class BackupTest(TempDirTestCase):
    def test_backup_verify_restore_round_trip(self):
        src = self.file("src.crm")
        calls = []
        with crmlite.Database(src) as db:
            fill(db, 50)
            report = db.backup(self.file("b.crm"), step=2, progress=lambda d, t: calls.append((d, t)))
            self.assertEqual(report["pages"], calls[-1][1])
            self.assertGreater(len(calls), 2)
            self.assertEqual(calls[-1][0], calls[-1][1])
            self.assertEqual(db.integrity_check(), {"ok": True, "problems": []})
            with self.assertRaises(crmlite.AlreadyExists):
                db.backup(self.file("b.crm"))
            with self.assertRaises(crmlite.Canceled):
                db.backup(self.file("c.crm"), step=1, progress=lambda d, t: d < 3)
            self.assertFalse(os.path.exists(self.file("c.crm")))
            with self.assertRaises(ZeroDivisionError):
                db.backup(self.file("d.crm"), progress=lambda d, t: 1 / 0)
            self.assertFalse(os.path.exists(self.file("d.crm")))
        v = crmlite.Database.verify_backup(self.file("b.crm"))
        self.assertTrue(v["ok"])
        self.assertEqual(v["customers"], 50)
        r = crmlite.Database.restore_backup(self.file("b.crm"), self.file("restored.crm"))
        self.assertEqual(r["customers"], 50)
        with crmlite.Database(self.file("restored.crm")) as db:
            self.assertEqual(db.count_customers(), 50)
        with self.assertRaises(crmlite.NotFound):
            crmlite.Database.verify_backup(self.file("missing.crm"))

    def test_encrypted_backup_with_a_new_passphrase(self):
        src = self.file("src.crm")
        with crmlite.Database(src, key=KEY) as db:
            fill(db, 10)
            db.backup(self.file("same.crm"))
            db.backup(self.file("new.crm"), passphrase="备份 2026")
        for name in ("same.crm", "new.crm"):
            data = raw(self.file(name))
            for s in SECRETS:
                self.assertNotIn(s, data)
        self.assertTrue(crmlite.Database.verify_backup(self.file("same.crm"), key=KEY)["encrypted"])
        with self.assertRaises(crmlite.NotADatabase):
            crmlite.Database.verify_backup(self.file("new.crm"), key=KEY)
        self.assertTrue(crmlite.Database.verify_backup(self.file("new.crm"), passphrase="备份 2026")["ok"])
        crmlite.Database.restore_backup(self.file("new.crm"), self.file("r.crm"), passphrase="备份 2026",
                                        target_key=KEY)
        with crmlite.Database(self.file("r.crm"), key=KEY) as db:
            self.assertTrue(db.encrypted)
            self.assertEqual(db.count_customers(), 10)


class RekeyTest(TempDirTestCase):
    def test_rekey_refuses_the_old_key_and_keeps_every_record(self):
        path = self.file("rekey.crm")
        with crmlite.Database(path, key=KEY) as db:
            fill(db, 12)
            with crmlite.Database(path, key=KEY):
                with self.assertRaises(crmlite.Busy):
                    db.rekey(passphrase="新口令 2026")
            with self.assertRaises(crmlite.InvalidInput):
                db.rekey()
            steps = []
            r = db.rekey(passphrase="新口令 2026", step=1, progress=lambda done, total: steps.append(done))
            self.assertTrue(r["encrypted"])
            self.assertGreater(len(steps), 2)
            self.assertEqual(db.count_customers(), 12)
            fill(db, 1)
        with self.assertRaises(crmlite.NotADatabase) as cm:
            crmlite.Database(path, key=KEY)
        self.assertIn("wrong key", str(cm.exception))
        with crmlite.Database(path, passphrase="新口令 2026") as db:
            self.assertEqual(db.count_customers(), 13)

    def test_a_plain_file_is_encrypted_and_decrypted_in_place(self):
        path = self.file("plain.crm")
        with crmlite.Database(path) as db:
            if db.encrypted:  # a test run with every new file encrypted
                db.decrypt()
            fill(db, 8)
            r = db.rekey(key=KEY)
            self.assertFalse(r["was_encrypted"])
            self.assertTrue(db.encrypted)
        data = raw(path)
        for s in SECRETS:
            self.assertNotIn(s, data)
        with self.assertRaises(crmlite.NotADatabase):
            crmlite.Database(path)
        with crmlite.Database(path, key=KEY) as db:
            self.assertEqual(db.count_customers(), 8)
            # The snapshot of the encrypted file is encrypted too.
            db.sync_snapshot(self.file("snap.crm"))
            self.assertFalse(db.decrypt()["encrypted"])
            with self.assertRaises(crmlite.InvalidInput):
                db.decrypt()
        data = raw(self.file("snap.crm"))
        for s in SECRETS:
            self.assertNotIn(s, data)
        with crmlite.Database(self.file("snap.crm"), key=KEY) as snap:
            self.assertEqual(snap.count_customers(), 8)
        self.assertIn("慕容复".encode(), raw(path))
        with crmlite.Database(path) as db:
            self.assertFalse(db.encrypted)
            self.assertEqual(db.count_customers(), 8)


if __name__ == "__main__":
    unittest.main()

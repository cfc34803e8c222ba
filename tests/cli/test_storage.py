#!/usr/bin/env python3
"""End-to-end test of `crm backup`, `crm verify`, `crm restore`, encrypted
files and `crm rekey` / `encrypt` / `decrypt` through the command line
(standard library only).

usage: test_storage.py PATH/TO/crm
"""
import json
import os
import subprocess
import sys
import tempfile

CRM = os.path.abspath(sys.argv[1])
failures = []
KEY_VARS = ("CRM_DB", "CRM_PASSPHRASE", "CRM_KEY", "CRM_BACKUP_PASSPHRASE", "CRM_BACKUP_KEY", "CRM_NEW_PASSPHRASE",
            "CRM_NEW_KEY", "CRM_AS")


def run(*args, env=None, code=0):
    full_env = {k: v for k, v in os.environ.items() if k not in KEY_VARS}
    full_env.update(env or {})
    p = subprocess.run([CRM, *args], capture_output=True, text=True, env=full_env)
    if p.returncode != code:
        failures.append(f"crm {' '.join(args)}: exit {p.returncode}, wanted {code}\n  stdout: {p.stdout}\n  stderr: {p.stderr}")
    return p.stdout, p.stderr


def fails(*args, code=1, mentions=None, env=None):
    out, err = run(*args, code=code, env=env)
    lines = err.splitlines()
    if len(lines) != 1 or not lines[0].startswith("crm: "):
        failures.append(f"crm {' '.join(args)}: stderr is not one 'crm: ' line: {err!r}")
    if mentions and mentions not in err:
        failures.append(f"crm {' '.join(args)}: error {err!r} does not mention {mentions!r}")
    return err


def check(cond, what):
    if not cond:
        failures.append(what)


def raw(path):
    with open(path, "rb") as f:
        return f.read()


def main():
    tmp = tempfile.mkdtemp(prefix="crm-cli-storage-")
    plain = os.path.join(tmp, "plain.db")
    run("init", plain)
    run("add", plain, "--name", "上官婉儿", "--phone", "13700001111")
    run("add", plain, "--name", "Björn Ulvaeus")

    # ---- backup / verify / restore of a plain file
    bak = os.path.join(tmp, "plain-backup.db")
    out, _ = run("backup", plain, bak, "--step", "2")
    check("backed up" in out, f"backup prints a summary: {out!r}")
    fails("backup", plain, bak, mentions="already exists")
    fails("backup", plain, os.path.join(tmp, "x.db"), "--step", "0", code=2, mentions="--step")
    v = json.loads(run("verify", bak, "--json")[0])
    check(v["ok"] and v["customers"] == 2 and not v["encrypted"], f"verify --json: {v}")
    out, _ = run("verify", bak)
    check("integrity" in out and "ok" in out, f"verify prints the result: {out!r}")
    restored = os.path.join(tmp, "restored.db")
    out, _ = run("restore", restored, bak)
    check("2 customers" in out, f"restore summary: {out!r}")
    check(json.loads(run("info", restored, "--json")[0])["customers"] == 2, "restored file holds the customers")

    # A damaged backup fails verification (exit 1) and is never restored.
    damaged = os.path.join(tmp, "damaged.db")
    data = bytearray(raw(bak))
    for i in range(4096, 8192):
        data[i] = 0xFF
    with open(damaged, "wb") as f:
        f.write(data)
    out, _ = run("verify", damaged, code=1)
    check("FAILED" in out, f"verify shows the failure: {out!r}")
    fails("restore", os.path.join(tmp, "never.db"), damaged, mentions="nothing was restored")
    check(not os.path.exists(os.path.join(tmp, "never.db")), "a refused restore creates nothing")

    # ---- encrypted files: the key from the environment
    enc = os.path.join(tmp, "enc.db")
    key_env = {"CRM_PASSPHRASE": "六六大顺 six"}
    run("init", enc, env=key_env)
    run("add", enc, "--name", "上官婉儿", "--phone", "13700001111", env=key_env)
    for name in (enc, enc + "-wal"):
        if os.path.exists(name):
            data = raw(name)
            check("上官婉儿".encode() not in data and b"13700001111" not in data, f"{name} holds no plaintext")
    fails("info", enc, mentions="encrypted")
    fails("info", enc, env={"CRM_PASSPHRASE": "wrong"}, mentions="wrong key")
    fails("info", enc, env={"CRM_KEY": "12"}, code=2, mentions="64 hexadecimal")
    check(json.loads(run("info", enc, "--json", env=key_env)[0])["customers"] == 1, "info with the passphrase")

    enc_bak = os.path.join(tmp, "enc-backup.db")
    run("backup", enc, enc_bak, env=key_env)
    check("上官婉儿".encode() not in raw(enc_bak), "the backup of an encrypted file is encrypted")
    fails("verify", enc_bak, mentions="encrypted")
    check(json.loads(run("verify", enc_bak, "--json", env=key_env)[0])["encrypted"], "verify with the key")
    # A new passphrase for the backup only.
    enc_bak2 = os.path.join(tmp, "enc-backup2.db")
    run("backup", enc, enc_bak2, env=dict(key_env, CRM_BACKUP_PASSPHRASE="备份"))
    fails("verify", enc_bak2, env=key_env, mentions="wrong key")
    run("verify", enc_bak2, env={"CRM_BACKUP_PASSPHRASE": "备份"})
    # Restored under the database's passphrase.
    enc_restored = os.path.join(tmp, "enc-restored.db")
    run("restore", enc_restored, enc_bak2, env=dict(key_env, CRM_BACKUP_PASSPHRASE="备份"))
    check(json.loads(run("info", enc_restored, "--json", env=key_env)[0])["customers"] == 1,
          "restored under the database's own passphrase")

    # ---- changing the key in place: rekey, decrypt, encrypt
    new_env = {"CRM_PASSPHRASE": "六六大顺 six", "CRM_NEW_PASSPHRASE": "新口令 seven"}
    fails("rekey", enc, env=key_env, code=2, mentions="CRM_NEW_PASSPHRASE")
    out, _ = run("rekey", enc, "--step", "3", env=new_env)
    check(out.startswith("rekeyed ") and "encrypted" in out, f"rekey prints a summary: {out!r}")
    fails("info", enc, env=key_env, mentions="wrong key")
    after = {"CRM_PASSPHRASE": "新口令 seven"}
    check(json.loads(run("info", enc, "--json", env=after)[0])["customers"] == 1, "info with the new passphrase")
    check("上官婉儿".encode() not in raw(enc) and b"13700001111" not in raw(enc), "rekeyed file holds no plaintext")
    fails("encrypt", enc, env=dict(after, CRM_NEW_PASSPHRASE="x"), mentions="already encrypted")
    r = json.loads(run("decrypt", enc, "--json", env=after)[0])
    check(r["encrypted"] is False and r["was_encrypted"] is True, f"decrypt --json: {r}")
    check("上官婉儿".encode() in raw(enc), "a decrypted file is plain")
    check(json.loads(run("info", enc, "--json")[0])["customers"] == 1, "info without a key after decrypt")
    fails("decrypt", enc, mentions="not encrypted")
    fails("rekey", enc, env={"CRM_NEW_PASSPHRASE": "x"}, mentions="crm encrypt")
    fails("encrypt", plain, env={"CRM_NEW_KEY": "xyz"}, code=2, mentions="CRM_NEW_KEY")
    r = json.loads(run("encrypt", plain, "--json", env={"CRM_NEW_KEY": "ab" * 32})[0])
    check(r["encrypted"] is True and r["was_encrypted"] is False, f"encrypt --json: {r}")
    data = raw(plain)
    check("上官婉儿".encode() not in data and b"13700001111" not in data and "Björn".encode() not in data,
          "an encrypted plain file holds no plaintext")
    fails("info", plain, mentions="encrypted")
    check(json.loads(run("info", plain, "--json", env={"CRM_KEY": "ab" * 32})[0])["customers"] == 2,
          "info with the new raw key")

    for cmd in ("backup", "restore", "verify", "rekey", "encrypt", "decrypt"):
        out, _ = run("help", cmd)
        check(out.startswith(f"usage: crm {cmd}") and "CRM_PASSPHRASE" in out, f"crm help {cmd}")

    if failures:
        print("\n".join(failures))
        print(f"{len(failures)} failure(s)")
        return 1
    print("cli storage test: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

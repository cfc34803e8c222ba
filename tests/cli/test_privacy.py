#!/usr/bin/env python3
"""End-to-end test of the privacy commands of `crm` (standard library only).

usage: test_privacy.py PATH/TO/crm

--as USER on every command: a sales rep lists, counts, searches and shows only
its own customers with masked phones; a forbidden change exits 1 and writes
nothing; crm user / role / whoami / audit (--verify detects tampering) /
subject (export and --erase).
"""
import json
import os
import sqlite3
import subprocess
import sys
import tempfile

CRM = os.path.abspath(sys.argv[1])
failures = []


def run(*args, code=0, env=None):
    full_env = dict(os.environ)
    full_env.pop("CRM_DB", None)
    full_env.pop("CRM_AS", None)
    full_env.update(env or {})
    p = subprocess.run([CRM, *args], capture_output=True, text=True, env=full_env)
    if p.returncode != code:
        failures.append(f"crm {' '.join(args)}: exit {p.returncode}, wanted {code}\n  stdout: {p.stdout}\n  stderr: {p.stderr}")
    return p.stdout, p.stderr


def check(cond, what):
    if not cond:
        failures.append(what)


def lines(text):
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def main():
    tmp = tempfile.mkdtemp(prefix="crm-cli-privacy-")
    db = os.path.join(tmp, "crm.db")
    run("init", db)
    run("user", db, "--put", '{"name":"alice","role":"sales","team":"east"}')
    run("user", db, "--put", '{"name":"bob","role":"sales","team":"east"}')
    run("user", db, "--put", '{"name":"root","role":"admin"}')
    out, _ = run("user", db, "--json")
    check({u["name"] for u in lines(out)} == {"alice", "bob", "root"}, f"crm user lists the users: {out}")
    run("role", db, "--put", '{"name":"field","permissions":["read","update","unmask"],"scope":"own"}')
    out, _ = run("role", db, "--json")
    check("field" in {r["name"] for r in lines(out)}, "crm role lists the custom role")

    out, _ = run("add", db, "--json", "--data", '{"display_name":"王小明","owner":"alice","phones":["13812345678"]}')
    mine = json.loads(out)["id"]
    out, _ = run("add", db, "--json", "--data", '{"display_name":"李四海","owner":"bob","phones":["13987654321"]}')
    theirs = json.loads(out)["id"]

    out, _ = run("whoami", db, "--as", "alice", "--json")
    check(json.loads(out)["principal"] == "alice", f"whoami: {out}")
    out, _ = run("list", db, "--as", "alice", "--json")
    ids = [r["id"] for r in lines(out)]
    check(ids == [mine], f"alice lists only her customer: {out}")
    check("13812345678" not in out and "138****5678" in out, f"the list masks the phone: {out}")
    out, _ = run("count", db, "--json", env={"CRM_AS": "alice"})
    check(out.strip() in ("1", '{"count":1}', '{"count": 1}') or json.loads(out) in (1, {"count": 1}), f"count as alice: {out}")
    out, _ = run("search", db, "李四", "--as", "alice", "--json")
    check(lines(out) == [], f"alice does not find bob's customer: {out}")
    out, _ = run("show", db, mine, "--as", "alice", "--json")
    check("13812345678" not in out, "show masks the phone")
    _, err = run("show", db, theirs, "--as", "alice", code=1)
    check("outside the scope" in err, f"show of another rep's customer is refused: {err}")
    _, err = run("tag", db, theirs, "vip", "--as", "alice", code=1)
    out, _ = run("show", db, theirs, "--json")
    check("vip" not in out, "the refused tag wrote nothing")
    _, err = run("list", db, "--as", "mallory", code=1)
    check("mallory" in err, f"an unknown principal is refused: {err}")

    out, _ = run("audit", db, "--as", "root", "--principal", "alice", "--outcome", "denied", "--json")
    check(any(e.get("record_id") == theirs for e in lines(out)), f"the denial is audited: {out}")
    out, _ = run("audit", db, "--as", "root", "--verify")
    check("intact" in out, f"audit --verify: {out}")
    run("audit", db, "--as", "alice", code=1)

    # Privacy under sync: a device's audit chain travels to the hub with its
    # changes (crm changes; --no-audit leaves it out); the hub verifies it.
    device = os.path.join(tmp, "device.db")
    run("init", device)
    run("user", device, "--put", '{"name":"alice","role":"sales"}')
    out_bin, quiet_bin = os.path.join(tmp, "out.bin"), os.path.join(tmp, "quiet.bin")
    run("changes", device, out_bin)
    run("changes", device, quiet_bin, "--no-audit")
    out, _ = run("sync", "dump", out_bin)
    check('"audit_log"' in out, f"crm changes carries the device's audit entries: {out}")
    out, _ = run("sync", "dump", quiet_bin)
    check('"audit_log"' not in out, f"--no-audit leaves them out: {out}")
    out, _ = run("apply", db, out_bin, "--json")
    check(json.loads(out).get("audit", {}).get("appended") == 1, f"the hub appends the device's entry: {out}")
    out, _ = run("audit", db, "--as", "root", "--verify")
    check("intact" in out, f"audit --verify at the hub covers the device's chain: {out}")
    # A full replica of the hub, to receive the erasure below.
    replica = os.path.join(tmp, "replica.db")
    run("init", replica)
    run("sync", replica, db)

    out, _ = run("subject", db, mine, "--as", "root")
    check(json.loads(out)["customer"]["phones"][0]["value"] == "13812345678", "subject export is complete and clear")
    out, _ = run("subject", db, mine, "--as", "root", "--erase", "--json")
    report = json.loads(out) if out.strip() else {}
    check(report.get("checkpoint_complete") is True, f"erase report: {out}")
    for path in (db, db + "-wal"):
        if os.path.exists(path):
            raw = open(path, "rb").read()
            check("王小明".encode() not in raw and b"13812345678" not in raw, f"{path} holds no trace of the erased person")
    # The erasure reaches the replica by sync, which scrubs its own file.
    run("sync", replica, db)
    for path in (replica, replica + "-wal"):
        if os.path.exists(path):
            raw = open(path, "rb").read()
            check("王小明".encode() not in raw and b"13812345678" not in raw, f"{path} (a replica) holds no trace of the erased person")

    conn = sqlite3.connect(db)
    conn.execute("UPDATE audit_log SET principal = 'nobody' WHERE n = 1")
    conn.commit()
    conn.close()
    out, _ = run("audit", db, "--as", "root", "--verify", code=1)
    check("edited" in out, f"audit --verify reports the edit: {out}")

    if failures:
        print(f"{len(failures)} failure(s):")
        for f in failures:
            print(" -", f)
        sys.exit(1)
    print("cli privacy test passed")


if __name__ == "__main__":
    main()

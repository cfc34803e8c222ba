#!/usr/bin/env python3
"""End-to-end test of the value and lifecycle commands of `crm` (issue 5):
rfm, tasks, followup, stage, tagrule, churn, report.

usage: test_value.py PATH/TO/crm
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

CRM = os.path.abspath(sys.argv[1])
failures = []


def run(*args, code=0):
    env = dict(os.environ)
    env.pop("CRM_DB", None)
    p = subprocess.run([CRM, *args], capture_output=True, text=True, env=env)
    if p.returncode != code:
        failures.append(f"crm {' '.join(args)}: exit {p.returncode}, wanted {code}\n  stdout: {p.stdout}\n  stderr: {p.stderr}")
    return p.stdout, p.stderr


def check(cond, what):
    if not cond:
        failures.append(what)


def main():
    tmp = tempfile.mkdtemp(prefix="crm-cli-value-")
    try:
        db = os.path.join(tmp, "shop.db")
        run("init", db)
        out, _ = run("add", db, "--json", "--name", "王小明", "--owner", "li")
        cid = json.loads(out)["id"]
        run("log", db, cid, "--kind", "order", "--at", "2026-06-01T10:00:00Z", "--amount", "123.45", "--currency", "CNY")

        out, _ = run("rfm", db, "--as-of", "2026-06-30T00:00:00Z", "--json")
        s = json.loads(out)
        check(s["mode"] == "full" and s["buyers"] == 1 and s["snapshot"] == 1, f"rfm summary: {s}")
        out, _ = run("rfm", db, "--as-of", "2026-07-01T00:00:00Z", "--refresh")
        check("incremental run" in out and "New Customers" in out, f"rfm refresh table: {out}")
        out, _ = run("rfm", db, "--customer", cid, "--json")
        c = json.loads(out)
        check(c["recency_days"] == 30 and c["monetary"] == 12345, f"rfm customer: {c}")
        out, _ = run("rfm", db, "--movement")
        check("1 stayed" in out, f"movement: {out}")
        out, _ = run("rfm", db, "--default-table", "--json")
        check(len(json.loads(out)) == 125, "default table has 125 cells")
        _, err = run("rfm", db, "--as-of", "2026-06-30", "--method", "median", code=1)
        check("rfm.method" in err, f"bad method error: {err}")
        run("rfm", db, code=2)  # --as-of missing

        out, _ = run("tasks", db, "--add", cid, "--kind", "call", "--due", "2026-07-02T09:00:00Z", "--assignee", "li", "--json")
        tid = json.loads(out)["id"]
        out, _ = run("tasks", db, "--now", "2026-07-03T00:00:00Z", "--assignee", "li")
        check(tid in out and "overdue" in out, f"due list: {out}")
        run("tasks", db, "--snooze", tid, "--until", "2026-07-05T00:00:00Z")
        out, _ = run("tasks", db, "--now", "2026-07-03T00:00:00Z")
        check("nothing due" in out, f"snoozed task still due: {out}")
        run("tasks", db, "--complete", tid)
        out, _ = run("tasks", db, "--customer", cid, "--json")
        check(json.loads(out.splitlines()[0])["status"] == "done", f"completed: {out}")
        out, _ = run("tasks", db, "--add", cid, "--kind", "visit", "--due", "2026-07-09T09:00:00Z", "--json")
        gone = json.loads(out)["id"]
        run("tasks", db, "--delete", gone)
        out, _ = run("tasks", db, "--customer", cid, "--json")
        check(gone not in out and tid in out, f"deleted task still listed: {out}")
        _, err = run("tasks", db, "--delete", gone, code=1)
        check("no task" in err, f"second delete: {err}")

        out, _ = run("followup", db, "--install-defaults", "--run")
        check("created 1 task" in out, f"followup run: {out}")
        out, _ = run("followup", db, "--run")
        check("created 0 task" in out, f"followup rerun: {out}")
        out, _ = run("followup", db, "--list")
        check("ticket_open" in out and "revisit_tier" in out, f"rules list: {out}")

        run("stage", db, cid, "--apply", "--as-of", "2026-07-01T00:00:00Z")
        run("stage", db, cid, "--set", "loyal")
        out, _ = run("stage", db, cid)
        check("customer" in out and "loyal" in out and "manual" in out, f"stage history: {out}")

        cond = json.dumps({"agg": "count", "kind": "order", "op": "gte", "value": 1})
        run("tagrule", db, "--add", "buyers", "--tag", "行为/买家", "--data", cond)
        out, _ = run("tagrule", db, "--apply", "--now", "2026-07-01T00:00:00Z")
        check("1 tag(s) added" in out, f"tagrule apply: {out}")
        _, err = run("tagrule", db, "--add", "bad", "--tag", "x", "--data", '{"field":"shoe","op":"eq","value":1}', code=1)
        check("tag_rule.condition.field" in err, f"bad condition error: {err}")

        out, _ = run("churn", db, "--as-of", "2026-12-01T00:00:00Z", "--customer", cid)
        check("overdue" in out, f"churn reasons: {out}")
        out, _ = run("churn", db, "--as-of", "2026-12-01T00:00:00Z", "--threshold", "0.1")
        check("1 customer(s)" in out and "王小明" in out, f"at risk: {out}")

        out, _ = run("report", db, "segments")
        check("SEGMENT" in out and "TIER" in out, f"segments report: {out}")
        out, _ = run("report", db, "aov", "--json")
        check(json.loads(out)["aov"] == 12345, f"aov: {out}")
        _, err = run("report", db, "weather", code=1)
        check("unknown report" in err, f"bad report: {err}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if failures:
        print("\n".join(failures))
        sys.exit(1)
    print("cli value test: ok")


if __name__ == "__main__":
    main()

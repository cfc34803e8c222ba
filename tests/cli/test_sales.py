#!/usr/bin/env python3
"""End-to-end test of the sales commands of `crm` (standard library only).

usage: test_sales.py PATH/TO/crm

pipeline, opp, opp-move, opps, lead, leads, lead-set, lead-rule, campaign,
audience, member, sales-delete and report: tables on a terminal-less stdout, --json parsed
as JSON, exact money in and out, errors as one "crm: ..." line with status 1/2.
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


def fails(*args, code=1, mentions=None):
    out, err = run(*args, code=code)
    if len(err.splitlines()) != 1 or not err.startswith("crm: "):
        failures.append(f"crm {' '.join(args)}: stderr is not one 'crm: ' line: {err!r}")
    if out:
        failures.append(f"crm {' '.join(args)}: printed on stdout while failing: {out!r}")
    if mentions and mentions not in err:
        failures.append(f"crm {' '.join(args)}: error {err!r} does not mention {mentions!r}")


def check(cond, what):
    if not cond:
        failures.append(what)


def main():
    tmp = tempfile.mkdtemp(prefix="crm-sales-cli-")
    try:
        db = os.path.join(tmp, "shop.db")
        run("init", db)
        out, _ = run("pipeline", db, "--create", "标准", "--stage", "线索:10", "--stage", "方案:50", "--json")
        stages = {s["name"]: s for s in json.loads(out)["stages"]}
        check(list(stages) == ["线索", "方案", "Won", "Lost"], f"pipeline stages: {list(stages)}")
        out, _ = run("pipeline", db)
        check("方案" in out and "50%" in out, f"pipeline table: {out!r}")
        fails("pipeline", db, "--create", "x", "--stage", "oops", code=2, mentions="--stage")

        out, _ = run("add", db, "--name", "王小明", "--phone", "13812345678", "--json")
        wang = json.loads(out)["id"]
        out, _ = run("opp", db, wang, "--name", "龙井", "--amount", "1234.50", "--currency", "CNY", "--close", "2026-12-20",
                     "--owner", "alice")
        opp = out.strip()
        check(len(opp) == 36, f"opp id: {out!r}")
        run("opp", db, wang, "--name", "红茶", "--amount-minor", "1001", "--currency", "CNY", "--stage", "方案",
            "--close", "2026-12-05", "--owner", "alice")
        fails("opp", db, wang, "--name", "x", "--amount", "1.234", "--currency", "CNY", code=2, mentions="--amount")
        fails("opp", db, wang, "--name", "x", "--stage", "nowhere", code=2, mentions="nowhere")
        out, _ = run("opps", db)
        check("1,234.50" in out and "龙井" in out, f"opps table: {out!r}")
        out, _ = run("sales-report", db, "forecast", "--group-by", "owner")
        # 123450 at 10 % + 1001 at 50 % = (1234500 + 50050) / 100 = 12845.5 -> 12846 fen = 128.46
        check("128.46" in out and "1,244.51" in out, f"forecast table: {out!r}")
        out, _ = run("opp-move", db, opp, "--stage", "方案", "--by", "alice")
        check("方案" in out, f"opp-move: {out!r}")
        fails("opp-move", db, opp, "--lost", "", mentions="close_reason")
        out, _ = run("opp-move", db, opp, "--won", "--json")
        got = json.loads(out)
        check(got["status"] == "won" and len(got["stage_history"]) == 3, f"won: {got}")
        out, _ = run("sales-report", db, "pipeline")
        check("10.01" in out and "5.01" in out, f"pipeline report: {out!r}")  # 1001 at 50 %: 500.5 -> 501
        out, _ = run("sales-report", db, "stages")
        check("win rate 100.0%" in out, f"stages report: {out!r}")

        run("lead-rule", db, "--kind", "round_robin", "--member", "alice", "--member", "bob", "--team", "east")
        out, _ = run("lead-rule", db)
        check("alice, bob" in out, f"rules table: {out!r}")
        fails("lead-rule", db, "--kind", "territory", "--member", "x", mentions="rule.region")
        owners = []
        for i in range(4):
            out, _ = run("lead", db, "--name", f"lead {i}", "--source", "web", "--json")
            owners.append(json.loads(out)["owner"])
        check(owners == ["alice", "bob", "alice", "bob"], f"round robin: {owners}")
        # A higher-priority rule, paused, resumed and deleted.
        out, _ = run("lead-rule", db, "--kind", "load", "--member", "zoe", "--priority", "1", "--json")
        zoe_rule = json.loads(out)["id"]
        run("lead-rule", db, "--pause", zoe_rule)
        out, _ = run("lead", db, "--name", "lead p", "--source", "web", "--json")
        check(json.loads(out)["owner"] == "alice", f"paused rule skipped: {out!r}")
        run("lead-rule", db, "--resume", zoe_rule)
        out, _ = run("lead", db, "--name", "lead r", "--source", "web", "--json")
        check(json.loads(out)["owner"] == "zoe", f"resumed rule: {out!r}")
        run("lead-rule", db, "--delete", zoe_rule)
        out, _ = run("lead-rule", db)
        check("zoe" not in out, f"deleted rule listed: {out!r}")
        fails("lead-rule", db, "--delete", zoe_rule, mentions="rule")
        out, _ = run("lead", db, "--name", "王先生", "--phone", "+86 138-1234-5678", "--source", "fair", "--no-assign", "--json")
        lead = json.loads(out)
        check(lead.get("customer_id") == wang, f"lead matched: {lead}")
        out, _ = run("lead-set", db, lead["id"], "--status", "qualified", "--owner", "carol", "--by", "manager")
        check("qualified" in out and "carol" in out and "assigned" in out, f"lead-set: {out!r}")
        out, _ = run("lead-set", db, lead["id"], "--convert", "--opportunity", "续订", "--amount", "99", "--currency", "CNY")
        check("converted into customer " + wang + " (existing)" in out, f"convert: {out!r}")
        fails("lead-set", db, lead["id"], "--convert", mentions="already converted")
        out, _ = run("leads", db, "--status", "converted")
        check("王先生" in out and "converted" in out, f"leads: {out!r}")
        out, _ = run("sales-report", db, "funnel", "--by", "source")
        check("fair" in out and "100.0%" in out, f"funnel: {out!r}")

        run("add", db, "--name", "No consent", "--email", "no@x.cn")
        out, _ = run("add", db, "--name", "Yes", "--email", "yes@x.cn", "--data", '{"consent_marketing": true}', "--json")
        yes = json.loads(out)["id"]
        out, _ = run("campaign", db, "--name", "春茶", "--channel", "email", "--amount", "10", "--currency", "CNY",
                     "--window-days", "15")
        camp = out.strip()
        out, _ = run("audience", db, camp)
        check("included  1" in out and "no_marketing_consent" in out, f"audience: {out!r}")
        out, _ = run("audience", db, camp, "--freeze", "--json")
        check(json.loads(out)["included"] == 1, f"frozen: {out!r}")
        run("member", db, camp, yes, "sent")
        fails("member", db, camp, wang, "sent", code=1, mentions="frozen audience")
        run("log", db, yes, "--kind", "order", "--amount", "25", "--currency", "CNY")
        out, _ = run("sales-report", db, "campaigns")
        check("春茶" in out and "25.00 CNY" in out and "150.0%" in out, f"campaigns report: {out!r}")
        fails("sales-report", db, "weather", mentions="kind")

        # Deletes: a lead, an opportunity, a campaign; a pipeline only when unused.
        out, _ = run("sales-delete", db, "opp", opp)
        check(out.strip() == "deleted opp " + opp, f"sales-delete opp: {out!r}")
        fails("opp-move", db, opp, "--won", mentions="no opportunity")
        fails("sales-delete", db, "opp", opp, mentions="no opportunity")
        out, _ = run("sales-delete", db, "lead", lead["id"], "--json")
        check(json.loads(out) == {"deleted": lead["id"], "kind": "lead"}, f"sales-delete lead: {out!r}")
        out, _ = run("leads", db, "--status", "converted")
        check("王先生" not in out, f"deleted lead still listed: {out!r}")
        run("sales-delete", db, "campaign", camp)
        out, _ = run("sales-report", db, "campaigns")
        check("春茶" not in out, f"deleted campaign still reported: {out!r}")
        fails("sales-delete", db, "pipeline", stages["Won"]["id"], mentions="no pipeline")
        out, _ = run("pipeline", db, "--json")
        pipeline_id = json.loads(out)[0]["id"]
        fails("sales-delete", db, "pipeline", pipeline_id, mentions="opportunit")  # still in use
        fails("sales-delete", db, "deal", opp, code=2, mentions="KIND")
        run("user", db, "--put", '{"name": "rep", "role": "sales"}')
        fails("sales-delete", db, "pipeline", pipeline_id, "--as", "rep", mentions="delete")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if failures:
        for f in failures:
            print("FAIL:", f)
        sys.exit(1)
    print("test_sales: ok")


if __name__ == "__main__":
    main()

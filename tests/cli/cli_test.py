#!/usr/bin/env python3
"""End-to-end test of the `crm` command line (standard library only).

usage: cli_test.py PATH/TO/crm

Drives the built binary the way a user does: every command, --json output
parsed as JSON, error cases (non-zero exit, exactly one "crm: ..." line on
stderr), pagination tokens, exact money conversion and CJK column alignment
(checked against Python's own unicodedata, an independent width oracle).
"""
import json
import os
import subprocess
import sys
import tempfile
import unicodedata

CRM = os.path.abspath(sys.argv[1])
failures = []


def run(*args, env=None, code=0):
    """Runs crm; checks the exit code; returns (stdout, stderr)."""
    full_env = dict(os.environ)
    full_env.pop("CRM_DB", None)
    full_env.update(env or {})
    p = subprocess.run([CRM, *args], capture_output=True, text=True, env=full_env)
    if p.returncode != code:
        failures.append(f"crm {' '.join(args)}: exit {p.returncode}, wanted {code}\n  stdout: {p.stdout}\n  stderr: {p.stderr}")
    return p.stdout, p.stderr


def fails(*args, code=1, mentions=None, env=None):
    """An error: the given exit code, nothing on stdout, one 'crm: ' line on stderr."""
    out, err = run(*args, code=code, env=env)
    lines = err.splitlines()
    if len(lines) != 1 or not lines[0].startswith("crm: "):
        failures.append(f"crm {' '.join(args)}: stderr is not one 'crm: ' line: {err!r}")
    if out:
        failures.append(f"crm {' '.join(args)}: printed on stdout while failing: {out!r}")
    if mentions and mentions not in err:
        failures.append(f"crm {' '.join(args)}: error {err!r} does not mention {mentions!r}")
    return err


def check(cond, what):
    if not cond:
        failures.append(what)


def json_lines(text):
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def width(s):
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def main():
    tmp = tempfile.mkdtemp(prefix="crm-cli-test-")
    db = os.path.join(tmp, "t.db")

    # ---- help and usage
    out, _ = run("--help")
    check("import" in out and "search" in out, "crm --help lists the commands")
    for cmd in ["init", "import", "add", "show", "list", "search", "count", "tag", "log", "export", "info"]:
        out, _ = run("help", cmd)
        check(out.startswith(f"usage: crm {cmd} DB"), f"crm help {cmd} starts with its synopsis")
        out2, _ = run(cmd, "--help")
        check(out == out2, f"crm {cmd} --help equals crm help {cmd}")
    run(code=2)
    fails("frobnicate", code=2, mentions="unknown command")
    fails("help", "frobnicate", code=2)

    # ---- init / info
    out, _ = run("init", db, "--timezone", "Asia/Shanghai")
    check("site id" in out and "Asia/Shanghai" in out, "init prints the site id and time zone")
    fails("init", db, mentions="already exists")
    info = json.loads(run("info", db, "--json")[0])
    check(info["schema_version"] >= 1 and info["customers"] == 0, "info --json")
    fails("info", os.path.join(tmp, "missing.db"), mentions="no such database")
    check(not os.path.exists(os.path.join(tmp, "missing.db")), "a read command never creates a database")
    junk = os.path.join(tmp, "junk.txt")
    with open(junk, "w") as f:
        f.write("not a database\n")
    fails("info", junk, mentions="not a crmlite database")
    fails("info", code=2, mentions="no database")

    # ---- add
    wang = run("add", db, "--name", "王小明", "--phone", "13812345678", "--email", "xm@example.com",
               "--tag", "VIP/金卡", "--city", "上海", "--stage", "customer", "--owner", "u01",
               "--external", "erp:C001", "--consent-marketing")[0].strip()
    check(len(wang) == 36, "add prints the new id")
    john = json.loads(run("add", db, "--json", "--data", '{"given_name":"John","family_name":"Smith"}',
                          "--city", "San Francisco", "--stage", "prospect")[0])["id"]
    for i in range(7):
        run("add", db, "--name", f"客户{i}", "--city", "北京", "--tag", "批量")
    fails("add", db, "--name", "X", "--stage", "bogus", mentions="stage")
    fails("add", db, "--name", "X", "--email", "not-an-email", mentions="email")
    fails("add", db, "--name", "Y", "--external", "erp:C001", mentions="C001")  # taken
    fails("add", db, "--nmae", "X", code=2, mentions="--nmae")
    fails("add", db, "--data", "{oops", code=2, mentions="--data")
    fails("add", db, code=2, mentions="nothing to add")

    # ---- show
    out, _ = run("show", db, "--external", "erp:C001")
    for part in ["王小明", "13812345678", "xm@example.com", "VIP/金卡", "Interactions"]:
        check(part in out, f"show lists {part}")
    out2, _ = run("show", db, "erp:C001")
    check(out == out2, "show SYSTEM:ID equals show --external SYSTEM:ID")
    view = json.loads(run("show", db, wang, "--json")[0])
    check(view["profile"]["display_name"] == "王小明", "show --json is the 360 view")
    check(json.loads(run("show", db, john, "--json")[0])["profile"]["display_name"] == "John Smith",
          "display name derived from given + family")
    fails("show", db, "--external", "erp:NOPE", mentions="NOPE")
    fails("show", db, "not-an-id", mentions="not-an-id")
    fails("show", db, code=2, mentions="missing")

    # ---- log: money by string arithmetic
    run("log", db, "erp:C001", "--kind", "order", "--amount", "19.99", "--currency", "cny",
        "--subject", "iPhone 订单", "--at", "2025-11-02T09:30:00+08:00")
    run("log", db, wang, "--kind", "order", "--amount", "0.1", "--currency", "CNY")
    run("log", db, wang, "--kind", "order", "--amount", "1500", "--currency", "JPY")
    run("log", db, wang, "--kind", "call", "--subject", "回访", "--body", "客户满意", "--direction", "outbound")
    iid = json.loads(run("log", db, wang, "--kind", "order", "--amount-minor", "5", "--currency", "USD", "--json")[0])["id"]
    check(len(iid) == 36, "log --json gives the id")
    totals = {t["currency"]: t for t in json.loads(run("show", db, wang, "--json")[0])["order_totals"]}
    check(totals["CNY"]["amount_minor"] == 2009, f"19.99 + 0.1 CNY = 2009 fen, got {totals.get('CNY')}")
    check(totals["JPY"]["amount_minor"] == 1500, "JPY has no minor unit")
    out, _ = run("show", db, wang)
    check("CNY 20.09" in out and "JPY 1,500" in out, "show formats order totals")
    fails("log", db, wang, "--kind", "order", "--amount", "19.999", "--currency", "CNY", code=2, mentions="decimals")
    fails("log", db, wang, "--kind", "order", "--amount", "1e3", "--currency", "CNY", code=2, mentions="--amount")
    fails("log", db, wang, "--kind", "order", "--amount", "12", code=2, mentions="--currency")
    fails("log", db, wang, "--subject", "x", code=2, mentions="--kind")
    fails("log", db, wang, "--kind", "Bad Kind", mentions="kind")
    fails("log", db, wang, "--kind", "call", "--at", "yesterday", mentions="occurred_at")
    fails("log", db, "erp:NOPE", "--kind", "call", mentions="NOPE")

    # ---- list: table, CJK alignment, pagination
    out, _ = run("list", db)
    lines = out.splitlines()
    check(lines[0].startswith("NAME"), "list prints a header")
    id_col = width(lines[0][:lines[0].index("ID")])
    for line in lines[1:]:
        if line.strip():
            cut = line.rindex(" ") + 1
            check(width(line[:cut]) == id_col, f"list column aligned by display width: {line!r}")
    rows = json_lines(run("list", db, "--json")[0])
    check(len(rows) == 9 and all("id" in r for r in rows), "list --json is JSON Lines of all rows")
    seen, after, pages = [], None, 0
    while True:
        args = ["list", db, "--json", "--limit", "4"] + (["--after", after] if after else [])
        page = json_lines(run(*args)[0])
        pages += 1
        after = page[-1].get("next") if page and "next" in page[-1] else None
        seen += [r["id"] for r in page if "id" in r]
        if not after or pages > 10:
            break
    check(pages == 3 and sorted(seen) == sorted(r["id"] for r in rows), f"paging by 4 sees all 9 rows once ({pages} pages)")
    out, _ = run("list", db, "--limit", "4")
    check("next page: --after " in out, "list shows the next-page token")
    names = [r["display_name"] for r in json_lines(run("list", db, "--json", "--sort", "created_at", "--desc")[0])]
    check(names[0] == "客户6" and names[-1] == "王小明", "list --sort created_at --desc")
    check(len(json_lines(run("list", db, "--json", "--tag", "VIP", "--city", "上海")[0])) == 1, "tag filter matches below")
    check(len(json_lines(run("list", db, "--json", "--no-tag", "批量")[0])) == 2, "--no-tag")
    check(len(json_lines(run("list", db, "--json", "--stage", "customer", "--stage", "prospect")[0])) == 2,
          "repeated --stage is any-of")
    out, _ = run("list", db, "--city", "nowhere")
    check("no customers" in out, "empty list says so")
    fails("list", db, "--sort", "bogus", mentions="sort")
    fails("list", db, "--after", "garbage", mentions="after")
    fails("list", db, "--limit", "0", code=2, mentions="--limit")
    fails("list", db, "--stgae", "x", code=2, mentions="--stgae")
    fails("list", db, "--desc=yes", code=2)

    # ---- count
    check(run("count", db)[0].strip() == "9", "count prints a bare number")
    check(json.loads(run("count", db, "--json", "--tag", "批量")[0]) == {"count": 7}, "count --json with a filter")
    check(run("count", "--db", db, "--city", "北京")[0].strip() == "7", "--db instead of the first argument")
    check(run("count", "-d", db)[0].strip() == "9", "-d DB")
    check(run("count", env={"CRM_DB": db})[0].strip() == "9", "CRM_DB")
    check(run("count", db, env={"CRM_DB": "/nonexistent"})[0].strip() == "9", "the argument beats CRM_DB")
    fails("count", db, "extra", code=2, mentions="too many")
    fails("count", "--db", db, db, code=2, mentions="too many")

    # ---- tag
    out, _ = run("tag", db, "erp:C001", "地区/华东")
    check("王小明" in out, "tag names the customer")
    tags = {t["path"]: t for t in json_lines(run("tag", db, "--list", "--json")[0])}
    check(tags["地区/华东"]["count"] == 1 and tags["批量"]["count"] == 7, "tag --list --json")
    check("地区/华东" in run("tag", db, "--list")[0], "tag --list table")
    res = json.loads(run("tag", db, "--remove", wang, "地区/华东", "--json")[0])
    check(res["action"] == "removed", "tag --remove --json")
    check("地区/华东" not in json.loads(run("show", db, wang, "--json")[0])["tags"], "tag removed")
    fails("tag", db, wang, "a/b/c/d", mentions="three levels")
    fails("tag", db, wang, code=2, mentions="missing")

    # ---- search
    hits = json_lines(run("search", db, "小明", "--json")[0])
    check(hits and hits[0]["id"] == wang and hits[0]["type"] == "customer", "search 小明 finds 王小明 first")
    check(any(h["type"] == "customer" and h["id"] == wang for h in json_lines(run("search", db, "5678", "--json")[0])),
          "search by phone digits")
    out, _ = run("search", db, "回访", "--in", "interactions")
    check("回访" in out and "王小明" in out and "call" in out, "interaction hit shows its customer")
    check("no matches" in run("search", db, "zzzzqqq")[0], "no hits says so")
    fails("search", db, "x", "--in", "elsewhere", mentions="in")
    fails("search", db, code=2, mentions="missing")

    # ---- import / export (round trip through JSON Lines, then CSV with a mapping)
    export = os.path.join(tmp, "customers.jsonl")
    report = json.loads(run("export", db, export, "--json")[0])
    check(report["rows"] == 9, "export --json counts rows")
    with open(export, encoding="utf-8") as f:
        check(len(f.readlines()) == 9, "export writes JSON Lines")
    out, _ = run("export", db, os.path.join(tmp, "i.jsonl"), "--records", "interactions")
    check(out.startswith("exported 5 interactions"), f"export interactions: {out!r}")
    db2 = os.path.join(tmp, "t2.db")
    run("init", db2)
    csv = os.path.join(tmp, "客户.csv")
    with open(csv, "w", encoding="utf-8") as f:
        f.write("编号,姓名,手机,城市\nK1,李雷,13900001111,杭州\nK2,韩梅梅,not-a-phone,杭州\nK3,,13900003333,杭州\n")
    mapping = '{"编号":"external_id","姓名":"display_name","手机":"phone","城市":"city"}'
    report = json.loads(run("import", db2, csv, "--system", "crm1", "--map", mapping, "--json")[0])
    check(report["inserted"] == 1 and report["failed"] == 2, f"import report counts: {report}")
    check(all({"line", "field", "reason"} <= set(e) for e in report["errors"]), "import errors name line/field/reason")
    out, _ = run("import", db2, csv, "--system", "crm1", "--map", mapping)
    check("failed" in out and "LINE" in out, f"import prints the report with errors: {out!r}")
    run("import", db2, csv, "--system", "crm1", "--map", mapping, "--strict", code=3)
    check(run("count", db2)[0].strip() == "1", "re-import with --system does not duplicate")
    out, _ = run("import", db2, export, "--quiet")
    check("9 inserted" in out, f"import of an export: {out!r}")
    fails("import", db2, os.path.join(tmp, "nope.csv"), mentions="nope.csv")
    fails("import", db2, csv, "--format", "xml", mentions="xml")
    fails("import", db2, csv, "--batch", "0", code=2, mentions="--batch")

    # ---- sync: two files directly, and changesets through files
    pa, pb, blob = os.path.join(tmp, "phone.db"), os.path.join(tmp, "hub.db"), os.path.join(tmp, "ch.bin")
    run("init", pa)
    run("init", pb)
    cid = run("add", pa, "--data", '{"display_name": "同步王", "city": "杭州"}')[0].strip()
    out, _ = run("sync", pa, pb)
    check(out.startswith("sent 1 records"), f"sync sends the new customer: {out!r}")
    check(run("count", pb)[0].strip() == "1", "sync: the hub has the customer")
    rep = json.loads(run("sync", pa, pb, "--json")[0])
    check(rep["sent"]["fields_applied"] == 0, "a second sync applies nothing new")
    out, _ = run("changes", pa, blob)
    check("next --since" in out, f"changes writes a file: {out!r}")
    dumped = json.loads(run("sync", "dump", blob)[0])
    check(dumped["records"][0]["fields"]["display_name"]["value"] == "同步王", "sync dump renders the changeset")
    rep = json.loads(run("apply", pb, blob, "--json")[0])
    check(rep["fields_applied"] == 0 and rep["records"] >= 1, "apply of a known changeset changes nothing")
    with open(blob, "r+b") as f:
        f.seek(20)
        b = f.read(1)
        f.seek(20)
        f.write(bytes([b[0] ^ 0x44]))
    fails("apply", pb, blob, mentions="changeset")
    check(cid and json.loads(run("show", pb, cid, "--json")[0])["profile"]["city"] == "杭州", "the hub shows the synced customer")

    # ---- a filtered device, concurrent edits in the conflict log, tombstone gc
    pd = os.path.join(tmp, "alice.db")
    run("init", pd)
    run("add", pb, "--data", '{"display_name": "爱丽丝的客户", "owner": "alice"}')
    run("add", pb, "--data", '{"display_name": "鲍勃的客户", "owner": "bob"}')
    rep = json.loads(run("sync", pd, pb, "--share", "owner=alice", "--json")[0])
    check(run("count", pd)[0].strip() == "1", f"a filtered device holds only its share: {rep}")
    run("add", pd, "--data", '{"display_name": "偷来的", "owner": "bob"}')
    out, _ = run("sync", pd, pb, "--share", "owner=alice")
    check("left the share" in out and run("count", pd)[0].strip() == "1",
          f"a customer made for a colleague reaches the hub and leaves the device: {out!r}")
    fails("sync", pd, pb, "--share", "alice", code=2, mentions="--share")
    json.loads(run("sync", pd, pb, "--share", "owner=alice", "--json")[0])
    out, _ = run("conflicts", pb)
    check(out.strip() == "no conflicts", f"no conflicts yet: {out!r}")
    rep = json.loads(run("sync", "gc", pb, "--retention-days", "30", "--json")[0])
    check("tombstones_dropped" in rep, f"sync gc reports: {rep}")
    snap = os.path.join(tmp, "alice2.db")
    out, _ = run("sync", "snapshot", pb, snap, "--share", "owner=alice")
    check(out.startswith("wrote ") and run("count", snap)[0].strip() == "1",
          f"a new device from a snapshot of the hub holds only its share: {out!r}")
    fails("sync", "snapshot", pb, snap, code=1, mentions="exists")
    rep = json.loads(run("sync", snap, pb, "--share", "owner=alice", "--json")[0])
    check(rep["received"]["records"] == 0, f"a fresh snapshot has nothing to receive: {rep}")
    # A device the hub no longer accepts starts over from it, keeping its unsynced work.
    run("add", snap, "--name", "离线客户", "--owner", "alice")
    snap2 = os.path.join(tmp, "alice3.db")
    out, _ = run("sync", "rebaseline", snap, pb, snap2, "--share", "owner=alice")
    check(out.startswith("wrote ") and "replace" in out and run("count", snap2)[0].strip() == "2",
          f"a re-baselined device holds the hub's share and its own new customer: {out!r}")
    fails("sync", "rebaseline", snap, pb, snap2, code=1, mentions="exists")
    rep = json.loads(run("sync", snap2, pb, "--share", "owner=alice", "--json")[0])
    check(rep["sent"]["fields_applied"] > 0, f"the carried customer reaches the hub: {rep}")

    # ---- data quality (issue 6): normalize, dupes, merge, validate, quality
    qdb = os.path.join(tmp, "quality.db")
    run("init", qdb)
    a = run("add", qdb, "--name", "王小明", "--city", "上海", "--phone", "13812345678")[0].strip()
    b = run("add", qdb, "--name", "Wang Xiaoming", "--city", "Shanghai", "--phone", "+86 138 1234 5678",
            "--email", "xm@example.com")[0].strip()
    norm = json.loads(run("normalize", qdb, "phone", "０２１-6123 4567")[0])
    check(norm["e164"] == "+862161234567" and norm["type"] == "fixed_line", "normalize phone: E.164 and type")
    fails("normalize", qdb, "shoe", "x", mentions="kind")
    out, _ = run("dupes", qdb)
    check("1 cluster(s)" in out and "王小明" in out and "Wang Xiaoming" in out, "dupes lists the cluster")
    found = json.loads(run("dupes", qdb, "--json")[0])
    check(sorted(found["clusters"][0]["members"]) == sorted([a, b]), "dupes --json members")
    fails("dupes", qdb, "--auto", "7", code=2, mentions="--auto")
    merged, _ = run("merge", qdb, a, b)
    check("merged " + b in merged, "merge reports the merge")
    shown = json.loads(run("show", qdb, b, "--json")[0])
    check(json.dumps(shown, ensure_ascii=False).find(a) >= 0, "the loser's id shows the survivor")
    out, _ = run("validate", qdb, a)
    check("completeness" in out, "validate prints completeness")
    report = json.loads(run("quality", qdb, "--json", "--stale-days", "30")[0])
    check(report["customers"] == 1 and report["duplicate_rate"] == 0, "quality --json after the merge")
    out, _ = run("quality", qdb)
    check("duplicate_rate" in out and "missing_rate" in out, "quality prints the KPI table")
    merge_id = merged.split("(merge ")[1].split(")")[0]
    out, _ = run("unmerge", qdb, merge_id)
    check(out.startswith("undid merge " + merge_id) and b in out, f"unmerge reports the customers back: {out!r}")
    check(run("count", qdb)[0].strip() == "2", "unmerge brings the loser back")
    shown = json.loads(run("show", qdb, b, "--json")[0])
    check("redirected_from" not in json.dumps(shown), "the loser reads as itself again")
    fails("unmerge", qdb, merge_id, code=1, mentions="already undone")
    fails("unmerge", qdb, "nope", code=1, mentions="merge_id")

    # ---- the sample data of the README demo, when it is there
    src = os.environ.get("CRMLITE_SOURCE_DIR", "")
    sample = os.path.join(src, "examples", "data")
    if src and os.path.exists(os.path.join(sample, "customers.csv")):
        demo = os.path.join(tmp, "demo.db")
        run("init", demo)
        run("import", demo, os.path.join(sample, "customers.csv"), "--system", "erp")
        if os.path.exists(os.path.join(sample, "interactions.jsonl")):
            run("import", demo, os.path.join(sample, "interactions.jsonl"), "--records", "interactions", "--system", "erp")
        out, _ = run("show", demo, "--external", "erp:C0000001")
        check("erp:C0000001" in out, "demo: show the first sample customer")

    if failures:
        print(f"{len(failures)} failure(s):")
        for f in failures:
            print(" -", f)
        return 1
    print("cli: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

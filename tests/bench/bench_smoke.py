"""Runs crm-bench --scale small (10k customers) and checks that the report has every figure."""
import json
import pathlib
import shutil
import subprocess
import sys

bench, work = sys.argv[1], pathlib.Path(sys.argv[2])
shutil.rmtree(work, ignore_errors=True)
report_path = work / "report.json"
out = subprocess.run([bench, "--scale", "small", "--iterations", "100",
                      "--work", str(work), "--json", str(report_path)],
                     capture_output=True, text=True, timeout=540)
sys.stdout.write(out.stdout)
sys.stderr.write(out.stderr)
if out.returncode != 0:
    sys.exit(f"crm-bench failed with exit status {out.returncode}")
report = json.loads(report_path.read_text())
figures = report["figures"]
names = [f["name"] for f in figures]
expected = ["import customers", "import interactions", "import peak RSS", "file bytes per customer",
            "create customer", "update one field", "360 view read", "search Chinese", "search Latin",
            "search phone", "filter stage+owner",
            "one-field update, single-edit blob", "one-field update, bytes per change",
            "insert customer, bytes per customer", "apply new customers", "apply one-field updates",
            "update with change capture", "session extension", "initial sync",
            "RFM full recompute (vs one SQL statement)", "RFM refresh after a day of orders (vs full recompute)",
            "RFM refresh after a day of orders (vs one SQL statement)", "churn risk ROC AUC"]
missing = [e for e in expected if not any(n.startswith(e) for n in names)]
if missing:
    sys.exit(f"report lacks figures: {missing}; has {names}")
for f in figures:
    if not (f["crmlite"] > 0 and f["baseline"] > 0):
        sys.exit(f"figure {f['name']}: expected positive values, got {f}")
for suite in ("import", "latency", "sync", "value"):
    if report["suites"].get(suite, {}).get("peak_rss_mib", 0) <= 0:
        sys.exit(f"suite {suite}: no peak RSS")
# The value suite checks its own results (it fails otherwise); the report says so.
value = report["suites"]["value"]
if not (value.get("sql_equal_rows") and value.get("refresh_equal_full")):
    sys.exit(f"value suite: results not verified: {value}")
churn = value["churn"]
if not (churn["churned"] > 0 and churn["scored"] > churn["churned"] and churn["labels_agree_with_generator"] == 1.0):
    sys.exit(f"value suite: churn held-out labels: {churn}")
if "| suite | figure |" not in out.stdout:
    sys.exit("no markdown table on stdout")
print(f"bench_smoke: {len(names)} figures")

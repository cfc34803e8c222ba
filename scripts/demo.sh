#!/usr/bin/env bash
# README command 1: install what is missing, build, and run the demo on the
# bundled sample (examples/data): import customers and interactions, show one
# customer's 360-degree view, and search in Chinese, pinyin and phone digits.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/deps.sh"
"$root/scripts/build.sh" "$root/build"
crm="$root/build/src/cli/crm"
db=$(mktemp -d)/demo.db
data="$root/examples/data"
set -x
"$crm" init "$db"
"$crm" import "$db" "$data/customers.csv" --system erp
"$crm" import "$db" "$data/interactions.jsonl" --records interactions --system erp
"$crm" show "$db" --external erp:C0000001
"$crm" search "$db" 小明
"$crm" search "$db" 5678
"$crm" list "$db" --limit 10

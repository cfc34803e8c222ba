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
"$crm" add "$db" --family-name 王 --given-name 小明 --phone "+86 138 1234 5678" --email wang.xm@example.com --tag 渠道/线上/微信 --city 上海市
"$crm" search "$db" 小明          # a Chinese substring
"$crm" search "$db" 王            # one character: every 王
"$crm" search "$db" wxm           # pinyin initials
"$crm" search "$db" 5678          # the last digits of a phone
"$crm" search "$db" 耳机           # interactions too
"$crm" list "$db" --limit 10

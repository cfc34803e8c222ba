#!/usr/bin/env python3
"""A tour of crmlite from Python: customers, an order, the 360-degree view,
search and a sorted listing. Run with CRMLITE_LIBRARY=build/src/libcrmlite.so
and PYTHONPATH=bindings/python."""

import json
import os
import tempfile

import crmlite

with tempfile.TemporaryDirectory() as tmp, \
        crmlite.Database(os.path.join(tmp, "shop.crm"), timezone="Asia/Shanghai") as db:
    print("crmlite", crmlite.version())

    xm = db.create_customer({"family_name": "王", "given_name": "小明",
                             "phones": ["138 1234 5678"], "city": "上海", "tags": ["VIP"]})
    db.create_customer({"display_name": "Mary Johnson", "emails": ["mary@example.com"]})
    db.create_customer({"display_name": "李雷", "city": "北京"})

    db.add_interaction({"customer_id": xm, "kind": "order", "currency": "CNY",
                        "items": [{"product": "龙井茶", "quantity": 2, "unit_price_minor": 6800}]})

    view = db.view(xm)
    print("360 view:", view["profile"]["display_name"], view["tags"],
          json.dumps(view["order_totals"], ensure_ascii=False))

    for hit in db.search("小明"):
        print("search 小明 ->", hit["title"], hit["snippet"])
    print("search 5678 ->", [h["title"] for h in db.search("5678")])

    with db.query_customers(sort="name", limit=10) as customers:
        print("by name:", [c["display_name"] for c in customers])
    print("customers:", db.count_customers(), "in 上海:", db.count_customers({"city": "上海"}))

assert crmlite.live_handles() == 0, "a handle leaked"

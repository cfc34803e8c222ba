#!/usr/bin/env python3
"""Two field devices and a hub exchanging changeset files.

Alice and Bob each carry a device that holds only their own customers (a
filtered share of the hub). They work offline, edit the same customer as the
office does, a customer is reassigned from Alice to Bob, and every change
travels as a file through an "outbox" directory, the way a device that meets
the hub over a flaky link would send it. At the end every copy agrees, the
overwritten value is in the hub's conflict log, and Alice's device no longer
holds the customer she lost.

Run with CRMLITE_LIBRARY=build/src/libcrmlite.so and PYTHONPATH=bindings/python.
Exits non-zero if any expectation fails.
"""

import os
import sys
import tempfile
import time

import crmlite


def send(outbox, name, blob):
    """Writes a changeset to a file, as a device would before it has a network."""
    send.count += 1
    path = os.path.join(outbox, f"{send.count:04d}-{name}")
    with open(path, "wb") as f:
        f.write(blob)
    return path


send.count = 0


def receive(path):
    with open(path, "rb") as f:
        return f.read()


class Device:
    def __init__(self, path, owner, hub):
        self.db = crmlite.Database(path)
        self.owner = owner
        self.hub = hub
        self.site = self.db.info()["site_id"]
        self.hub_site = hub.info()["site_id"]

    def push(self, outbox):
        """Device -> hub: everything the hub does not hold yet, as files."""
        since = self.hub.sync_received(self.site)
        n = 0
        while True:
            blob, since, more = self.db.sync_changes(since, 1000, peer=self.hub_site)
            report = self.hub.sync_apply(receive(send(outbox, f"{self.owner}-up-{n}.bin", blob)),
                                         scope={"owner": self.owner})
            for r in report["refused"]:
                print(f"  hub refused from {self.owner}: {r['reason']}")
            n += 1
            if not more:
                return report

    def pull(self, outbox):
        """Hub -> device: only this device's share."""
        since = self.db.sync_received(self.hub_site)
        evicted = 0
        n = 0
        while True:
            blob, since, more = self.hub.sync_changes(since, 1000, peer=self.site, share={"owner": self.owner})
            report = self.db.sync_apply(receive(send(outbox, f"{self.owner}-down-{n}.bin", blob)))
            evicted += report["evicted"]
            n += 1
            if not more:
                return evicted

    def names(self):
        return sorted(c["display_name"] for c in self.db.query_customers())


def expect(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        expect.failed = True


expect.failed = False

with tempfile.TemporaryDirectory() as tmp:
    outbox = os.path.join(tmp, "outbox")
    os.mkdir(outbox)
    with crmlite.Database(os.path.join(tmp, "hub.crm")) as hub:
        wang = hub.create_customer({"display_name": "王小明", "owner": "alice", "city": "杭州",
                                    "phones": ["138 1234 5678"]})
        li = hub.create_customer({"display_name": "李雷", "owner": "alice"})
        hub.create_customer({"display_name": "韩梅梅", "owner": "bob"})
        alice = Device(os.path.join(tmp, "alice.crm"), "alice", hub)
        bob = Device(os.path.join(tmp, "bob.crm"), "bob", hub)
        alice.pull(outbox)
        bob.pull(outbox)
        print("alice holds", alice.names(), "- bob holds", bob.names())
        expect(alice.names() == ["李雷", "王小明"] and bob.names() == ["韩梅梅"], "each device holds its share")

        # Offline: Alice visits 王小明 and fixes his city and title; the office
        # changes his city too, a moment later; Li Lei is handed to Bob.
        alice.db.update_customer(wang, {"city": "宁波", "title": "采购经理"})
        alice.db.add_interaction({"customer_id": wang, "kind": "visit", "subject": "上门拜访"})
        time.sleep(0.005)
        hub.update_customer(wang, {"city": "温州"})
        hub.update_customer(li, {"owner": "bob"})

        # The network comes back: each device pushes its files, then pulls.
        alice.push(outbox)
        evicted = alice.pull(outbox)
        bob.push(outbox)
        bob.pull(outbox)
        print("alice holds", alice.names(), "- bob holds", bob.names(),
              f"- {len(os.listdir(outbox))} changeset files exchanged")

        got = {name: db.customer(wang) for name, db in (("hub", hub), ("alice", alice.db))}
        expect(all(c["city"] == "温州" for c in got.values()), "the later city wins everywhere")
        expect(all(c["title"] == "采购经理" for c in got.values()), "Alice's other field survives")
        expect(len(hub.view(wang)["latest_interactions"]) == 1, "Alice's offline visit reached the hub")
        conflicts = hub.sync_conflicts(wang)
        expect(len(conflicts) == 1 and conflicts[0]["lost"]["value"] == "宁波",
               "the overwritten city is in the hub's conflict log")
        expect(evicted == 1 and alice.names() == ["王小明"], "李雷 left Alice's device when he was reassigned")
        expect(bob.names() == ["李雷", "韩梅梅"], "李雷 arrived on Bob's device")
        alice.db.close()
        bob.db.close()

sys.exit(1 if expect.failed else 0)

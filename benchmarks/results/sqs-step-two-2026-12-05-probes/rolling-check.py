"""Reads rolling-deploy.sh's output (stdin) and checks, per queue: every enqueued job ran exactly once under its own
id; the handed-back messages were received under their job's id on their first delivery; the raw view of the queue
after the hand-back shows uncounted copies (receive count 1, HopperEarlierDeliveries 0) and which carry the
attribute. Prints one line per check and exits 1 on any failure."""
import json, sys
from collections import Counter, defaultdict

enqueued, ran, handed, peeked = defaultdict(list), defaultdict(list), defaultdict(list), {}
for line in sys.stdin:
    who, role, queue, *_ = line.split(" ", 4)
    data = json.loads(line[line.index("{"):])
    if role == "enqueue": enqueued[queue] += [(who, i) for i in data["ids"]]
    if role == "work": ran[queue] += [(who, i, a) for i, a in data["ran"]]
    if role == "handback": handed[queue] += [(who, i, a) for i, a in data["received"]]
    if role == "peek": peeked[queue] = (who, data["messages"])
failed = False
def check(ok, text):
    global failed
    failed |= not ok
    print(("ok    " if ok else "FAIL  ") + text)
for queue, jobs in enqueued.items():
    ids = [i for _, i in jobs]
    runs = Counter(i for _, i, _ in ran[queue])
    writers = sorted(set(w for w, _ in jobs)); workers = Counter(w for w, _, _ in ran[queue])
    check(sorted(runs) == sorted(ids) and set(runs.values()) == {1}, f"{queue}: written by {'+'.join(writers)}, {len(ids)} jobs, each ran once under its id (runs by {dict(workers)})")
    if queue in handed:
        check(all(i in ids and a == 1 for _, i, a in handed[queue]), f"{queue}: {handed[queue][0][0]} handed back {len(handed[queue])} unstarted jobs, each received under its id on delivery 1")
        who, messages = peeked[queue]
        copies = [m for m in messages if m[0] in {i for _, i, _ in handed[queue]}]
        check(len(copies) == len(handed[queue]) and all(m[2] == "1" and m[3] == "0" for m in copies), f"{queue}: the copies are uncounted (receive count 1, earlier deliveries 0): {[m[2:] for m in copies]}")
        with_attribute = [m for m in messages if m[1] is not None]
        check(all(m[1] == m[0] for m in with_attribute), f"{queue}: attribute present on {len(with_attribute)} of {len(messages)} messages (copies: {sum(m[1] is not None for m in copies)} of {len(copies)}), always the envelope's id")
sys.exit(1 if failed else 0)

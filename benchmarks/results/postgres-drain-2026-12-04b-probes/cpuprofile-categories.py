# python3 cpuprofile-categories.py <profile-window.ts output .cpuprofile> <jobs>: a profile's samples by category, per job
import json,sys,collections,re
p=json.load(open(sys.argv[1])); jobs=int(sys.argv[2])
nodes={n['id']:n for n in p['nodes']}
parent={}
for n in p['nodes']:
    for c in n.get('children',[]): parent[c]=n['id']
dt=collections.Counter()
for s,d in zip(p['samples'],p['timeDeltas']): dt[s]+=d
def catof(url,fn):
    if fn in ('(idle)',): return 'idle (waiting for I/O)'
    if fn=='(garbage collector)': return 'garbage collection'
    if fn=='(program)': return 'VM/program'
    if 'node:inspector' in url: return 'profiler'
    if 'envelope' in url: return 'core: envelope decode/copy'
    if re.search(r'core/src/(worker|history|logger|flow-control)',url): return 'core: worker loop (handler, run context, slots, heartbeat, buffer)'
    if 'postgres/src' in url: return 'postgres adapter (ack batching, track, received message, statements)'
    if re.search(r'/pg-protocol/',url): return 'pg driver: protocol parsing'
    if re.search(r'/(pg|pg-pool|pg-types)/',url) or re.search(r'/pg@',url) or 'pg-pool' in url or 'pg-types' in url: return 'pg driver: client, pool, row building, param encoding'
    if 'apps/bench' in url: return 'bench harness'
    if url.startswith('node:'): return 'node: streams, net, buffers, timers, events'
    return None
total=collections.Counter()
for id,t in dt.items():
    x=id; c=None
    n=nodes[x]; fn=n['callFrame']['functionName']
    if fn=='writev': c='socket writes (writev syscall, incl. preemption)'
    elif fn=='runMicrotasks': c='microtask queue (V8)'
    while c is None and x is not None:
        cf=nodes[x]['callFrame']; c=catof(cf['url'],cf['functionName']); x=parent.get(x)
    total[c or 'other native']+=t
busy=sum(v for k,v in total.items() if k not in ('idle (waiting for I/O)','profiler'))
print(f"busy (not idle, not profiler) {busy/jobs:.1f} µs/job")
for k,v in total.most_common(): print(f"{v/jobs:6.2f} µs/job  {100*v/busy if k not in ('idle (waiting for I/O)','profiler') else 0:5.1f}%  {k}")

import glob,re,os,statistics
rows={}
# Hopper ÷ peers per run, from the run reports beside this script (run from the repository root).
for md in sorted(glob.glob('benchmarks/results/fill-vacuum-2026-12-04/[AB]-*-*.md')):
    s=open(md).read()
    arm=os.path.basename(md)[:-3]
    for subj in ['hopper','pg-boss','graphile-worker']:
        m=re.search(r'\| \*\*postgres/%s\*\* \|[^|]*\|(.*)\n'%re.escape(subj),s)
        vals=[re.sub(r'\s*\(.*','',c).strip().replace(',','') for c in m.group(1).split('|')[:5]]
        rows.setdefault(arm,{})[subj]=[float(re.sub(r'[^0-9.]','',v)) for v in vals]
cols=['single','bulk','c1','c10','c50']
print('run        | hopper s/b/1/10/50 | ÷graphile | ÷pg-boss | graphile drain 1/10/50 | pg-boss drain')
for arm,r in rows.items():
    h,g,p=r['hopper'],r['graphile-worker'],r['pg-boss']
    f=lambda a,b:' / '.join('%.2f'%(x/y) for x,y in zip(a,b))
    print(arm, '|', ' / '.join('%d'%x for x in h),'|',f(h,g),'|',f(h,p),'|',' / '.join('%d'%x for x in g[2:]),'|',' / '.join('%d'%x for x in p[2:]), '| single g %d p %d'%(g[0],p[0]))

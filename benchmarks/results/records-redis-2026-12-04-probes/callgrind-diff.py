import sys,subprocess,re
def load(f,incl):
    out=subprocess.run(['callgrind_annotate','--inclusive='+('yes' if incl else 'no'),'--threshold=100',f],capture_output=True,text=True).stdout
    d={}
    for line in out.splitlines():
        m=re.match(r'\s*([\d,]+)\s+(?:\([^)]*\)\s+)?(\S.*)$',line)
        if m and ':' in m.group(2):
            d[m.group(2)[:90]]=int(m.group(1).replace(',',''))
    return d
a,b,n=sys.argv[1],sys.argv[2],int(sys.argv[3]); incl=len(sys.argv)>4
da,db=load(a,incl),load(b,incl)
keys=set(da)|set(db)
rows=sorted(keys,key=lambda k:-(db.get(k,0)-da.get(k,0)))
for k in rows[:45]:
    print(f"{(db.get(k,0)-da.get(k,0))/n:9.0f} {da.get(k,0)/n:9.0f} {db.get(k,0)/n:9.0f}  {k}")

#!/bin/bash
# absum.sh <dir>: B ÷ A per pair (A as "off", B as "on" for sum.py)
mkdir -p $1-sum && for d in $1/[AB]-*; do b=$(basename $d); n=${b#*-}; v=${b%%-*}; [ $v = A ] && t=off || t=on; ln -sfn $d $1-sum/$t-$n; done
python3 /tmp/recq/sum.py $1-sum | sed 's/on\/off/B\/A/; s/off median/A median/; s/on median/B median/'

#!/usr/bin/env bash
# usage: side.sh one|two — puts step one's (fec31c3) or step two's writer files (540711e, then 49a0183 for the second CPU series and the last cost run) in the worktree
cd /work/wt/sqsid
case "$1" in one) c=fec31c3;; two) c=49a0183;; *) exit 2;; esac
git checkout -q $c -- packages/sqs/src/sqs-enqueue.ts packages/sqs/src/sqs-hand-back.ts

#!/usr/bin/env bash
# The Quick start's demo as a user runs it: scripts/sandbox for a few seconds must exit 0 (no process of it
# died), create orders, settle some, and show webhooks verified by its endpoint.
set -euo pipefail
source_dir=$1
demo_dir=$2
cd "$source_dir"
rm -rf "$demo_dir"
DEMO_DIR=$demo_dir SPEED=600 ORDERS=8 scripts/sandbox --duration 12 >"$demo_dir.out" 2>&1 || {
  echo "scripts/sandbox failed:"; tail -n 30 "$demo_dir.out"; tail -n 20 "$demo_dir"/*.log; exit 1; }
orders=$(sqlite3 -readonly "$demo_dir/recharged.db" 'SELECT count(*) FROM orders')
verified=$(grep -c '^verified' "$demo_dir/webhooks.log" || true)
echo "demo: $orders orders, $verified webhooks verified"
((orders > 0)) || { echo "the demo created no order"; exit 1; }
((verified > 0)) || { echo "no webhook reached the demo endpoint"; cat "$demo_dir/webhooks.log"; exit 1; }

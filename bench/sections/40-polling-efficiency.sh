#!/usr/bin/env bash
# Section "polling_efficiency" (issue 7 §4): recharged's polling policy (the daemon's own
# schedule::plan_next_poll, default knobs) and four baselines (fixed 1 min, fixed 10 min, age-based, the
# 5m,1h,1d×5 retry list) replayed in virtual time against the sandbox's payer model and settlement rules, with
# every notification lost. Calls per order, detection latency per channel, expired and paid-closed orders;
# medians over several seeds. No daemon, no HTTP, no wall-clock waiting: CPU-bound, one core.
# Prints one JSON object (see bench/run); BENCH_EFFICIENCY_WORKLOAD replays another workload file.
set -euo pipefail
source "$(dirname "$0")/../lib/common.sh"

tool=$BENCH_TOOLS/bench_polling_efficiency
[[ -x $tool ]] || bench_die "missing $tool (build the bench_polling_efficiency target)"
workload=${BENCH_EFFICIENCY_WORKLOAD:-$BENCH_SOURCE/bench/workloads/default.json}
orders=$(bench_pick 1000 10000 20000)
runs=$(bench_pick 1 3 5)

bench_log "polling efficiency: $(basename "$workload"), $orders orders, $runs seeds, 5 strategies"
"$tool" --workload "$workload" --calendar "$BENCH_SOURCE/data/calendar" --orders "$orders" --runs "$runs"

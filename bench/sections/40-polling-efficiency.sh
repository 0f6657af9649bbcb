#!/usr/bin/env bash
# Section "polling_efficiency" (issue 7 §4): recharged's polling policy (the daemon's own
# schedule::plan_next_poll, default knobs) and four baselines (fixed 1 min, fixed 10 min, age-based, the
# 5m,1h,1d×5 retry list) replayed in virtual time against the sandbox's payer model and settlement rules, with
# every notification lost. Calls per order, detection latency per channel, expired and paid-closed orders;
# medians over several seeds. No daemon, no HTTP, no wall-clock waiting: CPU-bound, one core.
# Then recharged alone over the long-holiday, bank-heavy workloads (Spring Festival, National Day): its calls
# per order and its safety counts, as extra rows and under "holidays".
# Prints one JSON object (see bench/run); BENCH_EFFICIENCY_WORKLOAD replays another workload file, and
# BENCH_EFFICIENCY_HOLIDAYS (space-separated files, "" for none) other holiday workloads.
set -euo pipefail
source "$(dirname "$0")/../lib/common.sh"

tool=$BENCH_TOOLS/bench_polling_efficiency
[[ -x $tool ]] || bench_die "missing $tool (build the bench_polling_efficiency target)"
workloads=$BENCH_SOURCE/bench/workloads
workload=${BENCH_EFFICIENCY_WORKLOAD:-$workloads/default.json}
read -r -a holidays <<<"${BENCH_EFFICIENCY_HOLIDAYS-$workloads/spring-festival-bank.json $workloads/national-day-bank.json}"
orders=$(bench_pick 1000 10000 20000)
runs=$(bench_pick 1 3 5)
work=$BENCH_WORK/polling-efficiency
mkdir -p "$work"

bench_log "polling efficiency: $(basename "$workload"), $orders orders, $runs seeds, 5 strategies"
"$tool" --workload "$workload" --calendar "$BENCH_SOURCE/data/calendar" --orders "$orders" --runs "$runs" \
  >"$work/main.json"

: >"$work/holidays.jsonl"
for h in "${holidays[@]}"; do
  bench_log "polling efficiency: $(basename "$h"), $orders orders, $runs seeds, recharged"
  "$tool" --workload "$h" --calendar "$BENCH_SOURCE/data/calendar" --orders "$orders" --runs "$runs" \
    --strategies recharged | jq -c '{workload: .workload.name, recharged: .median.recharged}' >>"$work/holidays.jsonl"
done

# The holiday rows: recharged's cost, and the two safety counts that must stay 0.
jq -s '
  [.[] | .workload as $w | .recharged as $r |
    {name: "\($w): calls per order", value: $r.calls_per_order.mean, unit: ""},
    {name: "\($w): expired", value: $r.expired, unit: "", target: "0", ok: ($r.expired == 0)},
    {name: "\($w): paid closed", value: $r.paid_closed, unit: "", target: "0", ok: ($r.paid_closed == 0)},
    {name: "\($w): landed in the close margin", value: $r.landed_in_close_margin, unit: ""}]
  as $rows | {rows: $rows, holidays: .}' "$work/holidays.jsonl" >"$work/holidays.json"
jq --slurpfile h "$work/holidays.json" '.rows += $h[0].rows | .holidays = $h[0].holidays' "$work/main.json"

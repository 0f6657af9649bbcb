#!/usr/bin/env bash
# Section "polling_efficiency": recharged's polling policy (the daemon's own
# schedule::plan_next_poll, default knobs) and four baselines (fixed 1 min, fixed 10 min, age-based, the
# 5m,1h,1d×5 retry list) replayed in virtual time against the sandbox's payer model and settlement rules, with
# every notification lost. Calls per order, detection latency per channel, expired and paid-closed orders;
# medians over several seeds. No daemon, no HTTP, no wall-clock waiting: CPU-bound, one core.
# Then recharged alone over the long-holiday, bank-heavy workloads (Spring Festival, National Day): its calls
# per order and its safety counts, as extra rows and under "holidays".
# Then the normal day: the same workload with notifications delivered on the platform's retry schedule, 0 %, 1 %
# and 5 % of them lost, and with an outage of our notification endpoint (2 h and 12 h from Wed 18 Nov 2026 10:00
# Shanghai, 1 % lost): recharged with push awareness (the default) and without (recharged_full) beside the
# baselines, as rows and under "push".
# Prints one JSON object (see bench/run); BENCH_EFFICIENCY_WORKLOAD replays another workload file, and
# BENCH_EFFICIENCY_HOLIDAYS (space-separated files, "" for none) other holiday workloads; BENCH_PUSH_OUTAGE_START
# moves the outage.
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
# The normal day: notifications delivered.
outage_start=${BENCH_PUSH_OUTAGE_START:-2026-11-18T10:00:00+08:00}
push_strategies=recharged,recharged_full,fixed_1m,fixed_10m,age_based,retry_list
: >"$work/push.jsonl"
run_push() {
  local label=$1
  shift
  bench_log "polling efficiency, push: $label, $orders orders, $runs seeds"
  "$tool" --workload "$workload" --calendar "$BENCH_SOURCE/data/calendar" --orders "$orders" --runs "$runs" \
    --strategies "$push_strategies" "$@" |
    jq -c --arg name "$label" '{case: $name, notifications: .workload.notifications, median: .median}' \
      >>"$work/push.jsonl"
}
run_push "0 % lost" --notifications-lost 0
run_push "1 % lost" --notifications-lost 0.01
run_push "5 % lost" --notifications-lost 0.05
run_push "2 h outage" --notifications-lost 0.01 --outage "$outage_start/2h"
run_push "12 h outage" --notifications-lost 0.01 --outage "$outage_start/12h"
# Polling alone over the same payments: every notification lost, the outage's window only selects the payments.
: >"$work/alone.jsonl"
for length in 2h 12h; do
  bench_log "polling efficiency, push: polling alone over the $length outage's payments"
  "$tool" --workload "$workload" --calendar "$BENCH_SOURCE/data/calendar" --orders "$orders" --runs "$runs" \
    --strategies recharged --notifications-lost 1 --outage "$outage_start/$length" |
    jq -c --arg name "${length%h} h outage" '{case: $name, alone: .median.recharged.push}' \
      >>"$work/alone.jsonl"
done

# Rows: recharged's cost and detection with and without push awareness; the targets with 1 % lost (<= 10 calls,
# p95 <= 30 s) and in an outage (unhealthy within 15 min, from when the full schedule applies to every order), with
# the detection of payments landing after the outage's first 15 min beside polling alone's for the same payments.
jq -s --slurpfile alone "$work/alone.jsonl" '
  [.[] | .case as $l | .median.recharged as $r | .median.recharged_full as $f |
    ([$alone[] | select(.case == $l) | .alone.detection_minutes_outage_after_15m][0]) as $a |
    {name: "push \($l): recharged calls per order", value: $r.calls_per_order.mean, unit: ""} +
      (if $l == "1 % lost" then {target: "≤ 10", ok: ($r.calls_per_order.mean <= 10)} else {} end),
    {name: "push \($l): recharged detection p50", value: ($r.detection_minutes.all.p50 * 60), unit: "s"},
    {name: "push \($l): recharged detection p95", value: ($r.detection_minutes.all.p95 * 60), unit: "s"} +
      (if $l == "1 % lost" then {target: "≤ 30 s", ok: ($r.detection_minutes.all.p95 <= 0.5)} else {} end),
    {name: "push \($l): recharged detection max", value: $r.detection_minutes.all.max, unit: "min"},
    {name: "push \($l): recharged unhealthy turns", value: $r.push.unhealthy_turns, unit: ""},
    {name: "push \($l): recharged expired / paid closed", value: ($r.expired + $r.paid_closed), unit: "",
     target: "0", ok: ($r.expired + $r.paid_closed == 0)},
    {name: "push \($l): recharged_full calls per order", value: $f.calls_per_order.mean, unit: ""},
    {name: "push \($l): recharged_full detection p95", value: ($f.detection_minutes.all.p95 * 60), unit: "s"},
    (select(.notifications.outage != null) |
      {name: "push \($l): outage start to unhealthy", value: $r.push.outage_to_unhealthy_minutes, unit: "min",
       target: "≤ 15 min", ok: ($r.push.outage_to_unhealthy_minutes >= 0 and $r.push.outage_to_unhealthy_minutes <= 15)},
      {name: "push \($l): paid after the first 15 min, p50", value: $r.push.detection_minutes_outage_after_15m.p50,
       unit: "min"},
      {name: "push \($l): same payments, polling alone, p50", value: $a.p50, unit: "min"},
      {name: "push \($l): paid after the first 15 min, p95", value: $r.push.detection_minutes_outage_after_15m.p95,
       unit: "min"},
      {name: "push \($l): same payments, polling alone, p95", value: $a.p95, unit: "min"},
      {name: "push \($l): paid after the first 15 min, max", value: $r.push.detection_minutes_outage_after_15m.max,
       unit: "min"},
      {name: "push \($l): same payments, polling alone, max", value: $a.max, unit: "min"})]
  as $rows | {rows: $rows, push: .}' "$work/push.jsonl" >"$work/push.json"

jq --slurpfile h "$work/holidays.json" --slurpfile p "$work/push.json" \
  '.rows += $h[0].rows + $p[0].rows | .holidays = $h[0].holidays | .push = $p[0].push' "$work/main.json"

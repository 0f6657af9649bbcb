#!/usr/bin/env bash
# Section "webhooks": the deliverer with the real store, outbox, libcurl and an endpoint on 127.0.0.1
# (bench_webhooks, one process; BENCHMARKS.md has the method).
#   - lag from a committed state change to the endpoint receiving its message (target p95 ≤ 1 s), with the
#     daemon's idle poll of 250 ms;
#   - a backlog of messages recorded while the endpoint was away, drained: messages per second;
#   - the state-change commit (the pollers' write path) while draining against idle: draining must not slow it.
# Median of `repeats` runs for each figure. Prints one JSON object (see bench/run).
set -euo pipefail
source "$(dirname "$0")/../lib/common.sh"
trap bench_cleanup EXIT

work=$BENCH_WORK/webhooks
mkdir -p "$work"
repeats=$(bench_pick 1 3 5)
changes=$(bench_pick 100 300 1000)
backlog=$(bench_pick 2000 10000 10000)

runs=()
for r in $(seq "$repeats"); do
  bench_log "webhooks: run $r of $repeats ($changes changes, backlog $backlog)"
  runs+=("$("$BENCH_TOOLS/bench_webhooks" --dir "$work" --changes "$changes" --backlog "$backlog")")
done
all=$(printf '%s\n' "${runs[@]}" | jq -s '.')
median() { jq "[.[] | $1] | sort | .[(length - 1) / 2 | floor]" <<<"$all"; }

p50=$(median .lag_ms.p50)
p95=$(median .lag_ms.p95)
rate=$(median .drain.messages_per_s)
idle=$(median .commit_ms_idle.p50)
busy=$(median .commit_ms_draining.p50)
busy99=$(median .commit_ms_draining.p99)
jq -n --argjson p50 "$p50" --argjson p95 "$p95" --argjson rate "$rate" --argjson idle "$idle" \
  --argjson busy "$busy" --argjson busy99 "$busy99" --argjson backlog "$backlog" --argjson runs "$all" '{
  section: "webhooks",
  title: "Webhooks: lag to the endpoint, backlog drain",
  rows: [
    {name: "lag, state change → endpoint, p50", value: ($p50 | . * 10 | round / 10), unit: "ms"},
    {name: "lag, state change → endpoint, p95", value: ($p95 | . * 10 | round / 10), unit: "ms",
     target: "≤ 1000 ms", ok: ($p95 <= 1000)},
    {name: ("drain of a " + ($backlog | tostring) + "-message backlog"), value: ($rate | round), unit: "msg/s"},
    {name: "state-change commit p50, idle", value: ($idle | . * 100 | round / 100), unit: "ms"},
    {name: "state-change commit p50, while draining", value: ($busy | . * 100 | round / 100), unit: "ms"},
    {name: "state-change commit p99, while draining", value: ($busy99 | . * 100 | round / 100), unit: "ms"}
  ],
  details: {runs: $runs}
}'

#!/usr/bin/env bash
# Section "scale": the daemon with 10k, 100k and 1M orders in its database.
#
# For each size, bench_generate writes a database of orders in mixed states and ages (the real migrations
# first, then rows replayed through the engine's recorders, synchronous=OFF; cached in BENCH_CACHE by the
# generator's and the schema's hash). A backlog of orders is applied through the engine to a sandbox with
# manual payers; then, per run, the backlog is made due (as after an outage) and we measure
#   - OrderStore::due(now, 1000) on that database (bench_due: median of warm calls after the first),
#   - the time from exec to READY=1 on our own NOTIFY_SOCKET (bench_daemon),
#   - the daemon's peak RSS (VmHWM) once it has worked through the backlog,
# and the database size per order. Prints one JSON object (see bench/run).
set -euo pipefail
source "$(dirname "$0")/../lib/common.sh"
trap bench_cleanup EXIT

work=$BENCH_WORK/scale
mkdir -p "$work"
read -r -a sizes <<<"$(bench_pick "10000 100000" "10000 100000 1000000" "10000 100000 1000000")"
repeats=$(bench_pick 1 3 5)
backlog=$(bench_pick 1000 2000 5000) # at least 1,000: due() must find a full batch
seed=1

# The cache key: the sources that decide the generated rows (the generator, the engine's recorders, the
# polling policy, the answer encoding, the schema, the calendar). `bench/run --no-cache` regenerates anyway.
cache_key() {
  (cd "$BENCH_SOURCE" && cat bench/support/order_*.?pp bench/tools/generate_orders.cpp engine/order_recorder.cpp \
    engine/order_request.cpp engine/policy_planner.cpp schedule/*.cpp wxpay/codec.cpp migrations/*.sql \
    data/calendar/*.json) | sha256sum | cut -c1-16
}

# database N: a fresh copy of the generated N-order database in $work; prints the generator's JSON.
database() {
  local n=$1 db=$work/orders-$1.db
  local cached=${BENCH_CACHE:+$BENCH_CACHE/orders-$n-seed$seed-$(cache_key).db}
  if [[ -n $cached && -f $cached && -f $cached.json ]]; then
    bench_log "scale: $n orders from the cache"
    cp "$cached" "$db"
    jq -c '. + {cached: true}' "$cached.json"
    return
  fi
  bench_log "scale: generating $n orders"
  "$BENCH_TOOLS/bench_generate" --db "$db" -c "$base" --orders "$n" --seed "$seed" --replace \
    --check "$((n <= 10000 ? 7 : 0))" >"$work/generate-$n.json"
  if [[ -n $cached ]]; then
    rm -f "$BENCH_CACHE"/orders-"$n"-seed"$seed"-*.db "$BENCH_CACHE"/orders-"$n"-seed"$seed"-*.db.json
    cp "$db" "$cached" && cp "$work/generate-$n.json" "$cached.json"
  fi
  jq -c '. + {cached: false}' "$work/generate-$n.json"
}

bench_start_sandbox "$work/sandbox"
base=$BENCH_SANDBOX_CONFIG
: >"$work/runs.jsonl"
: >"$work/databases.jsonl"
for n in "${sizes[@]}"; do
  db=$work/orders-$n.db
  database "$n" | jq -c --argjson n "$n" '{size: $n} + .' >>"$work/databases.jsonl"
  bench_config "$base" "$work/scale-$n.toml" "$db" 4
  bench_log "scale: applying a backlog of $backlog orders to the sandbox ($n in the database)"
  "$BENCH_TOOLS/bench_seed" apply -c "$work/scale-$n.toml" --orders "$backlog" --threads 4 --prefix "BK${n}Z" \
    >"$work/backlog-$n.json"
  for ((r = 1; r <= repeats; r++)); do
    made=$("$BENCH_TOOLS/bench_seed" make-due --db "$db" --prefix "BK${n}Z" --spread 600)
    due=$("$BENCH_TOOLS/bench_due" --db "$db" --limit 1000 --repeat 25)
    bench_log "scale: $n orders, run $r/$repeats: start the daemon and work off the backlog"
    run=$("$BENCH_TOOLS/bench_daemon" --recharged "$BENCH_BIN" -c "$work/scale-$n.toml" --socket "$work/notify.sock" \
      --log "$work/daemon-$n.log" --mode drain --timeout 300)
    jq -nc --argjson n "$n" --argjson made "$made" --argjson due "$due" --argjson run "$run" \
      '{size: $n, backlog: $made, store: $due, daemon: $run}' >>"$work/runs.jsonl"
  done
  rm -f "$db" "$db-wal" "$db-shm"
done

jq -n --slurpfile runs "$work/runs.jsonl" --slurpfile dbs "$work/databases.jsonl" --argjson backlog "$backlog" '
  def median: sort | if length == 0 then null elif length % 2 == 1 then .[length / 2 | floor]
                                       else (.[length / 2 - 1] + .[length / 2]) / 2 end;
  def r(n): . * pow(10; n) | round / pow(10; n);
  def size_name: if . >= 1000000 then "\(. / 1000000)M" elif . >= 1000 then "\(. / 1000)k" else tostring end;
  ($runs | group_by(.size) | map({
      size: .[0].size,
      due_ms: (map(.store.due.median_ms) | median),
      due_rows: (map(.store.due.rows) | min),
      due_first_ms: (map(.store.due.first_ms) | median),
      counts_ms: (map(.store.counts.median_ms) | median),
      ready_ms: (map(.daemon.ready_ms) | median),
      drain_s: (map(.daemon.drain.seconds) | median),
      hwm_mib: (map(.daemon.memory.hwm_kib / 1024) | median),
      runs: length})) as $levels
  | ($dbs | map({key: (.size | tostring), value: .}) | from_entries) as $db
  | ($levels | map(.hwm_mib)) as $hwm
  | {
      section: "scale",
      title: "Scale: \($levels | map(.size | size_name) | join(", ")) orders in the database",
      rows: ([$levels[] | {name: "due(now, 1000), \(.size | size_name) orders", value: (.due_ms | r(3)), unit: "ms",
                           target: "≤ 5 ms", ok: (.due_ms <= 5 and .due_rows == 1000)}]
        + [$levels[] | {name: "start to READY=1, \(.size | size_name) orders", value: (.ready_ms | r(1)), unit: "ms",
                        target: "≤ 1000 ms", ok: (.ready_ms <= 1000)}]
        + [$levels[] | {name: "peak RSS after a \($backlog)-order backlog, \(.size | size_name)", value: (.hwm_mib | r(1)),
                        unit: "MiB", target: "≤ 64 MiB", ok: (.hwm_mib <= 64)}]
        + [{name: "peak RSS, largest ÷ smallest database", value: (($hwm | max) / ($hwm | min) | r(2)), unit: "×",
            target: "flat (≤ 1.1)", ok: (($hwm | max) / ($hwm | min) <= 1.1)}]
        + [$levels[] | {name: "database size per order, \(.size | size_name)",
                        value: ($db[.size | tostring].bytes_per_order | r(0)), unit: "B"}]),
      details: {backlog: $backlog, levels: $levels, databases: $dbs, runs: $runs}
    }'

#!/usr/bin/env bash
# Section "api": the order API's create-order latency, end to end: curl → the daemon's [api] listener →
# validation, write-ahead insert, the signed apply to the sandbox (its own process, manual payers), the
# verified answer recorded → 201. Sequential requests after a warm-up; p50 and p99 of curl's time_total,
# median over `repeats` runs. Prints one JSON object (see bench/run).
set -euo pipefail
source "$(dirname "$0")/../lib/common.sh"
trap bench_cleanup EXIT

work=$BENCH_WORK/api
mkdir -p "$work"
repeats=$(bench_pick 1 3 5)
requests=$(bench_pick 50 200 500)
warmup=10

bench_start_sandbox "$work/sandbox"
sub=$(jq -r '.sub_mchids[0]' "$work/sandbox/sandbox.json")
token=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf 'write %s bench\n' "$token" >"$work/api-tokens"
chmod 600 "$work/api-tokens"

percentile() { # percentile P: the P-th percentile (0-100) of the numbers on stdin, nearest rank
  sort -g | awk -v p="$1" '{ v[NR] = $1 } END { i = int(p / 100 * NR + 0.999999); if (i < 1) i = 1; print v[i] }'
}

runs=()
for r in $(seq "$repeats"); do
  db=$work/api-$r.db
  bench_config "$BENCH_SANDBOX_CONFIG" "$work/api-$r.toml" "$db" 4
  cat >>"$work/api-$r.toml" <<CONF

[api]
listen = "127.0.0.1:0"
tokens_file = "$work/api-tokens"
CONF
  "$BENCH_BIN" -c "$work/api-$r.toml" migrate >/dev/null
  "$BENCH_BIN" -c "$work/api-$r.toml" run 2>"$work/daemon-$r.log" &
  pid=$!
  BENCH_PIDS+=("$pid")
  port=
  for ((i = 0; i < 200; i++)); do
    port=$(grep -o 'event=listening api=127\.0\.0\.1:[0-9]*' "$work/daemon-$r.log" | head -1 | sed 's/.*://') || true
    [[ -n $port ]] && break
    sleep 0.05
  done
  [[ -n $port ]] || bench_die "the daemon's API did not start (see $work/daemon-$r.log)"
  : >"$work/times-$r"
  for ((i = 0; i < warmup + requests; i++)); do
    t=$(curl -sS -o /dev/null -w '%{http_code} %{time_total}' -H "Authorization: Bearer $token" \
      -H 'Content-Type: application/json' \
      -d "{\"sub_mchid\":\"$sub\",\"amount_fen\":$((10000 + i)),\"out_recharge_no\":\"BENCHAPI${r}N$i\"}" \
      "http://127.0.0.1:$port/v1/orders")
    [[ ${t%% *} == 201 ]] || bench_die "create $i answered ${t%% *} (see $work/daemon-$r.log)"
    ((i < warmup)) || echo "${t#* }" >>"$work/times-$r"
  done
  kill -TERM "$pid"
  wait "$pid" 2>/dev/null || true
  p50=$(percentile 50 <"$work/times-$r")
  p99=$(percentile 99 <"$work/times-$r")
  runs+=("{\"p50_ms\": $(awk -v s="$p50" 'BEGIN { print s * 1000 }'), \"p99_ms\": $(awk -v s="$p99" 'BEGIN { print s * 1000 }'), \"requests\": $requests}")
  bench_log "api: run $r: p50 ${p50}s p99 ${p99}s"
done
all=$(printf '%s\n' "${runs[@]}" | jq -s '.')
median() { jq "[.[] | $1] | sort | .[(length - 1) / 2 | floor]" <<<"$all"; }
jq -n --argjson p50 "$(median .p50_ms)" --argjson p99 "$(median .p99_ms)" --argjson runs "$all" '{
  section: "api",
  title: "Order API: POST /v1/orders against the sandbox, sequential",
  rows: [
    {name: "create order, p50", value: ($p50 | . * 10 | round / 10), unit: "ms"},
    {name: "create order, p99", value: ($p99 | . * 10 | round / 10), unit: "ms"}
  ],
  details: {runs: $runs}
}'

#!/usr/bin/env bash
# Section "poll_cost": what one verified poll costs the daemon, against the RSA floor.
#
# N open QR-only orders are applied through the engine to a sandbox with manual payers (they stay
# RECHARGING), and the [schedule] knobs make every order due again one second after its poll, so the real
# daemon always has work. For concurrency 1, 4 and 16 the daemon is started under our own NOTIFY_SOCKET
# and, after a warm-up, measured over a window: polls completed (query + verify + durable write: the sum of
# orders.poll_count, read from outside) and the daemon's utime+stime from /proc. The floor is `openssl speed
# rsa2048`: one signature plus one verification per poll, in CPU time. A short profile shows where the rest
# goes. Prints one JSON object (see bench/run).
set -euo pipefail
source "$(dirname "$0")/../lib/common.sh"
source "$(dirname "$0")/../lib/profile.sh"
trap bench_cleanup EXIT

work=$BENCH_WORK/poll-cost
mkdir -p "$work"
# Every order is due again a second after its poll, so N orders ask for about N polls per second. 900 keeps
# that under [limits] query_rate's ceiling of 1000/s (config validation): above it the token bucket paces
# the daemon, and waiting in it (every finished visit wakes every worker waiting there) adds CPU per poll.
# Concurrency 1 is saturated at 900/s here; 4 and 16 keep up with it.
orders=900
repeats=$(bench_pick 1 3 5)
warmup=$(bench_pick 2 3 5)
window=$(bench_pick 5 10 30)
speed_seconds=$(bench_pick 1 3 10)
profile_seconds=$(bench_pick 0 8 20)
concurrencies=(1 4 16)
schedule=('dense_interval = "1s"' 'min_spacing = "1s"' 'dense_window = "1d"')

bench_start_sandbox "$work/sandbox"
base=$BENCH_SANDBOX_CONFIG
db=$work/orders.db
bench_config "$base" "$work/seed.toml" "$db" 4 "${schedule[@]}"
bench_log "poll cost: applying $orders QR orders through the engine"
"$BENCH_BIN" -c "$work/seed.toml" migrate >/dev/null # only migrate creates a database
"$BENCH_TOOLS/bench_seed" apply -c "$work/seed.toml" --orders "$orders" --threads 4 --prefix PC \
  --channel QR_RECHARGE >"$work/seed.json"

: >"$work/runs.jsonl"
for c in "${concurrencies[@]}"; do
  bench_config "$base" "$work/c$c.toml" "$db" "$c" "${schedule[@]}"
  for ((r = 1; r <= repeats; r++)); do
    bench_log "poll cost: concurrency $c, run $r/$repeats (${warmup}s warm-up, ${window}s window)"
    "$BENCH_TOOLS/bench_daemon" --recharged "$BENCH_BIN" -c "$work/c$c.toml" --socket "$work/notify.sock" \
      --log "$work/daemon-c$c.log" --mode window --warmup "$warmup" --window "$window" |
      jq -c --argjson c "$c" '{concurrency: $c} + .' >>"$work/runs.jsonl"
  done
done

# The floor: openssl's own RSA-2048 sign and verify rates (per CPU second), median of the runs.
: >"$work/floor.jsonl"
for ((r = 1; r <= repeats; r++)); do
  bench_log "poll cost: openssl speed rsa2048 ($r/$repeats)"
  openssl speed -seconds "$speed_seconds" -mr rsa2048 2>/dev/null |
    awk -F: '/^\+F2:/ { printf "{\"sign_per_s\": %s, \"verify_per_s\": %s}\n", $4, $5 }' >>"$work/floor.jsonl"
done

# Where the CPU goes: a profile of a run at concurrency 4 (bench/lib/profile.sh).
profile='{"skipped": "not in --quick mode"}'
if ((profile_seconds > 0)); then
  bench_log "poll cost: profiling ${profile_seconds}s at concurrency 4"
  profile=$(bench_profile "$work/c4.toml" "$profile_seconds" "$work/profile")
fi

jq -n --slurpfile runs "$work/runs.jsonl" --slurpfile floor "$work/floor.jsonl" --slurpfile seed "$work/seed.json" \
  --argjson profile "$profile" --argjson orders "$orders" --argjson window "$window" '
  def median: sort | if length == 0 then null elif length % 2 == 1 then .[length / 2 | floor]
                                       else (.[length / 2 - 1] + .[length / 2]) / 2 end;
  def r(n): . * pow(10; n) | round / pow(10; n);
  ($floor | map(1e6 / .sign_per_s + 1e6 / .verify_per_s) | median) as $floor_us
  | ($runs | group_by(.concurrency) | map({
      concurrency: .[0].concurrency,
      polls_per_second: (map(.window.polls_per_second) | median),
      cpu_per_poll_us: (map(.window.cpu_per_poll_us) | median),
      system_share: (map(.window.cpu_system_s / ((.window.cpu_user_s + .window.cpu_system_s) | if . == 0 then 1 else . end)) | median),
      runs: length})) as $levels
  | {
      section: "poll_cost",
      title: "Cost per verified poll (query + verify + durable write)",
      rows: ([$levels[] | {name: "polls per second, concurrency \(.concurrency)", value: (.polls_per_second | r(1)), unit: "1/s"}]
        + [$levels[] | {name: "daemon CPU per poll, concurrency \(.concurrency)", value: (.cpu_per_poll_us | r(1)), unit: "µs"}]
        + [{name: "floor: 1 RSA-2048 sign + 1 verify (openssl speed)", value: ($floor_us | r(1)), unit: "µs"}]
        + [$levels[] | {name: "CPU per poll ÷ floor, concurrency \(.concurrency)", value: (.cpu_per_poll_us / $floor_us | r(2)),
                        unit: "×", target: "≤ 1.6", ok: (.cpu_per_poll_us / $floor_us <= 1.6)}]),
      details: {orders: $orders, window_seconds: $window, seed: $seed[0], floor: {per_poll_us: $floor_us, runs: $floor},
                levels: $levels, runs: $runs, profile: $profile}
    }'

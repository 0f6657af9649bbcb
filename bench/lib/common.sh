# Shared helpers for bench/run and its sections (sourced, not executed).
#
# The driver exports:
#   BENCH_MODE      quick | default | long
#   BENCH_BIN       the recharged binary
#   BENCH_TOOLS     the directory holding bench_seed, bench_generate, bench_due, bench_daemon, bench_webhooks
#   BENCH_WORK      a scratch directory for this run (deleted afterwards unless --keep)
#   BENCH_CACHE     where generated databases are kept between runs ("" = never cache)
#   BENCH_SOURCE    the repository root
# A section prints exactly one JSON object on stdout (see bench/run) and logs progress on stderr.

bench_log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

bench_die() {
  bench_log "error: $*"
  exit 1
}

# bench_pick QUICK DEFAULT LONG: the value for the current mode.
bench_pick() {
  case "$BENCH_MODE" in
    quick) echo "$1" ;;
    long) echo "$3" ;;
    *) echo "$2" ;;
  esac
}

# Background processes this section started; bench_cleanup stops them (by pid, never by name).
BENCH_PIDS=()

bench_cleanup() {
  local pid
  for pid in "${BENCH_PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${BENCH_PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  BENCH_PIDS=()
}

# bench_start_sandbox DIR: the simulated platform on an ephemeral loopback port with manual payers (orders
# stay RECHARGING), in its own process so its CPU is never counted as the daemon's. Waits until it wrote
# DIR/recharged.toml and sets BENCH_SANDBOX_CONFIG to that path. Call it directly, not in $(…): its pid must
# reach BENCH_PIDS in this shell for bench_cleanup to stop it.
bench_start_sandbox() {
  local dir=$1
  mkdir -p "$dir"
  "$BENCH_BIN" sandbox --state-dir "$dir" --listen 127.0.0.1:0 --payers manual \
    --notify-to http://127.0.0.1:9 --calendar "$BENCH_SOURCE/data/calendar" >"$dir/sandbox.out" 2>"$dir/sandbox.log" &
  BENCH_PIDS+=($!)
  local i
  for ((i = 0; i < 200; i++)); do
    if grep -q 'config written to' "$dir/sandbox.out" 2>/dev/null; then
      BENCH_SANDBOX_CONFIG=$dir/recharged.toml
      return 0
    fi
    sleep 0.05
  done
  bench_die "the sandbox did not start (see $dir/sandbox.log)"
}

# bench_config BASE OUT DB CONCURRENCY [SCHEDULE_LINES...]: a daemon config from the sandbox's: its own
# database, listeners ([notify], [metrics]) on ephemeral ports, rate limits high enough that the token bucket
# never paces the benchmark, and the given [schedule] lines. Everything else (logging at info to stderr) stays the default.
bench_config() {
  local base=$1 out=$2 db=$3 concurrency=$4
  shift 4
  sed -e 's/^listen = "127\.0\.0\.1:[0-9]*"/listen = "127.0.0.1:0"/' \
    -e "s|^path = \".*recharged\.db\"|path = \"$db\"|" "$base" >"$out"
  cat >>"$out" <<EOF

[limits]
concurrency = $concurrency
query_rate = 1000
apply_rate = 1000
close_rate = 1000
burst = 1000

[schedule]
EOF
  local line
  for line in "$@"; do echo "$line" >>"$out"; done
}

# bench_median: the median of the numbers on stdin (one per line).
bench_median() {
  sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print 0; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

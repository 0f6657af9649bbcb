# Profiling helpers for the poll-cost section (sourced after common.sh).
#
# bench_profile CONFIG SECONDS OUTDIR: runs the daemon with CONFIG, lets it warm up, samples it for SECONDS
# and prints a JSON summary: where its CPU time goes, inclusive, for the parts of a poll. Uses
# `perf record -e cpu-clock` (a software clock: it works in VMs without hardware counters, and it sees kernel
# time such as fsync and futex) when perf can sample here; else callgrind (user-space instructions only,
# and OpenSSL's bignum code runs a slower generic path under valgrind, so RSA looks bigger than it is).

# label|symbol: inclusive shares looked up in the profile (the first symbol that starts with the text).
BENCH_PROFILE_PARTS=(
  "RSA-2048 sign (Authorization header)|recharged::crypto::PrivateKey::sign_sha256"
  "RSA-2048 verify (answer signature)|recharged::crypto::PublicKey::verify_sha256"
  "HTTP exchange over loopback (libcurl)|recharged::http::CurlTransport::send"
  "group commit: UPDATE + event INSERT + WAL fsync|recharged::storage::OrderStore::commit"
  "  of which fsync (kernel)|do_fsync"
  "due-order selection (dispatcher)|recharged::storage::OrderStore::due"
  "answer JSON decode|recharged::wxpay::decode_mch_deposit"
  "api_call log line|recharged::engine::ApiCallLog::on_call"
  "nonce (32 random characters)|recharged::crypto::random_alnum"
  "thread hand-offs (futex system calls)|__x64_sys_futex"
)

bench_perf_usable() {
  command -v perf >/dev/null && perf record -e cpu-clock -o /dev/null -- true >/dev/null 2>&1
}

# bench_profile_parts REPORT: "label|percent" for each part, from a `perf report --children` or
# `callgrind_annotate --inclusive=yes` listing (first match of the symbol).
bench_profile_parts() {
  local report=$1 part label sym pct
  for part in "${BENCH_PROFILE_PARTS[@]}"; do
    label=${part%%|*}
    sym=${part#*|}
    pct=$(awk -v sym="$sym" '
      { for (i = 1; i <= NF; i++) if (index($i, sym) == 1 || index($i, ":" sym) > 0) {
          p = ($1 ~ /%$/) ? $1 : $2; gsub(/[()%]/, "", p); print p; exit } }' "$report")
    printf '%s|%s\n' "$label" "${pct:-0}"
  done
}

bench_profile() {
  local config=$1 seconds=$2 out=$3
  mkdir -p "$out"
  if bench_perf_usable; then
    "$BENCH_BIN" -c "$config" run 2>"$out/daemon.log" &
    local pid=$!
    BENCH_PIDS+=("$pid")
    sleep 3
    perf record -e cpu-clock -F 999 --call-graph dwarf,32768 -o "$out/perf.data" -p "$pid" -- sleep "$seconds" \
      >/dev/null 2>&1 || true
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    perf report -i "$out/perf.data" --stdio --children --sort sym -g none 2>/dev/null | grep -v '^#' >"$out/inclusive.txt"
    perf report -i "$out/perf.data" --stdio --no-children --sort dso -g none 2>/dev/null | grep -v '^#' >"$out/dso.txt"
    local samples
    samples=$(perf report -i "$out/perf.data" --stdio -g none 2>/dev/null | awk '/^# Samples:/ { print $3; exit }')
    bench_profile_parts "$out/inclusive.txt" | jq -R -s --arg samples "${samples:-?}" --rawfile dso "$out/dso.txt" '
      {tool: "perf record -e cpu-clock -F 999 --call-graph dwarf (daemon process, kernel included)",
       samples: $samples,
       parts: [split("\n")[] | select(length > 0) | split("|") | {part: .[0], percent: (.[1] | tonumber)}],
       by_library: [$dso | split("\n")[] | select(test("%")) | capture("^\\s*(?<percent>[0-9.]+)%\\s+(?<library>.+?)\\s*$")
                    | {library, percent: (.percent | tonumber)}] | .[0:8]}'
  elif command -v valgrind >/dev/null && command -v callgrind_annotate >/dev/null; then
    "$BENCH_TOOLS/bench_daemon" --recharged "$BENCH_BIN" -c "$config" --socket "$out/notify.sock" \
      --log "$out/daemon.log" --mode window --warmup 0 --window "$seconds" --timeout 120 \
      --via valgrind --via=--tool=callgrind --via=--callgrind-out-file="$out/callgrind.out" --via=--dump-instr=no \
      >"$out/run.json"
    callgrind_annotate --inclusive=yes --threshold=100 "$out/callgrind.out" >"$out/inclusive.txt" 2>/dev/null || true
    bench_profile_parts "$out/inclusive.txt" | jq -R -s --slurpfile run "$out/run.json" '
      {tool: "valgrind --tool=callgrind (user-space instructions; OpenSSL runs slower generic code under valgrind)",
       polls: $run[0].window.polls,
       parts: [split("\n")[] | select(length > 0) | split("|") | {part: .[0], percent: (.[1] | tonumber)}]}'
  else
    echo '{"skipped": "neither perf nor valgrind can profile here"}'
  fi
}

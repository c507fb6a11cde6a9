#!/usr/bin/env bash
# Runs one libFuzzer target for a bounded time (the ctest tests labelled `fuzz`).
#   run_fuzzer.sh NAME BINARY SEED_DIR CRASH_DIR WORK_DIR MAX_LEN [libFuzzer flags…]
# COMPANION_FUZZ_SECONDS: fuzzing time per target (default 60).
# First every input in CRASH_DIR (fuzz/crashes/NAME: inputs that once crashed the target) runs
# once, whole: a regression fails at once. Then libFuzzer fuzzes from SEED_DIR (fuzz/corpus/NAME)
# and WORK_DIR/corpus, where new inputs go (kept between runs, never into the repository);
# crashes are written to WORK_DIR/artifacts.
set -uo pipefail
name=$1 bin=$2 seeds=$3 crashes=$4 work=$5 max_len=$6
shift 6
seconds=${COMPANION_FUZZ_SECONDS:-60}
if ! [[ $seconds =~ ^[0-9]+$ ]] || [ "$seconds" -lt 1 ]; then
  echo "run_fuzzer: COMPANION_FUZZ_SECONDS must be a positive number of seconds, not '$seconds'" >&2
  exit 1
fi
mkdir -p "$work/corpus" "$work/artifacts"
marker="$work/artifacts/.run-start"
touch "$marker"
# Findings abort at once; leaks are reported (libFuzzer turns LeakSanitizer on by default).
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=0:detect_stack_use_after_return=1:strict_string_checks=1:check_initialization_order=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
symbolizer=$(command -v llvm-symbolizer-14 || command -v llvm-symbolizer || true)
[ -n "$symbolizer" ] && export ASAN_SYMBOLIZER_PATH="$symbolizer"

mapfile -t known < <(find "$crashes" -type f 2>/dev/null | sort)
if [ ${#known[@]} -gt 0 ]; then
  echo "[fuzz] $name: replaying ${#known[@]} input(s) that once crashed it ($crashes)"
  if ! "$bin" -timeout=10 -rss_limit_mb=2048 "${known[@]}"; then
    echo "[fuzz] $name: an input of $crashes crashes it again (a regression)" >&2
    exit 1
  fi
fi
echo "[fuzz] $name: ${seconds}s, max_len $max_len, seeds $seeds"
# libFuzzer stops itself after -max_total_time; `timeout` is the bound if it does not.
timeout --kill-after=10 $((seconds + 120)) "$bin" -max_total_time="$seconds" -max_len="$max_len" \
  -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$work/artifacts/" \
  "$@" "$work/corpus" "$seeds"
rc=$?
if [ $rc -ne 0 ]; then
  echo "[fuzz] $name failed (exit $rc). Inputs that failed:" >&2
  find "$work/artifacts" -type f -newer "$marker" ! -name .run-start >&2
  echo "[fuzz] reproduce with: $bin $work/artifacts/<file>; save the input as" \
    "fuzz/crashes/$name/<fault> and add a regression test beside the code (README.md, Development)" >&2
fi
exit $rc

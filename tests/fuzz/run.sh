#!/usr/bin/env bash
# Runs each libFuzzer target for a bounded time, two at once (one per core),
# and prints one results line per target (see tests/summary.py):
#   tests/fuzz/run.sh [--time SECONDS] [--dir build/fuzz] [--shared ../shared/dmar]
#                     [--fixtures build/dmar/fixtures]
# Each target starts from its corpus in DIR/corpus/TARGET (kept from run to
# run) plus seeds: the compiled fixtures and the shared tables when they are
# there. A crash, a sanitizer report, a broken invariant (a trap), a timeout
# or running out of memory fails the target; the input that did it is left
# in DIR/artifacts/ and named in the results line.
set -u

time=20
dir=build/fuzz
shared=../shared/dmar
fixtures=build/dmar/fixtures
while [ $# -gt 0 ]; do
	case $1 in
	--time) time=$2; shift 2 ;;
	--dir) dir=$2; shift 2 ;;
	--shared) shared=$2; shift 2 ;;
	--fixtures) fixtures=$2; shift 2 ;;
	*) echo "usage: $0 [--time S] [--dir D] [--shared D] [--fixtures D]" >&2; exit 2 ;;
	esac
done

# seed TARGET GLOB...: copies the matching files into DIR/seeds/TARGET (the
# shared directory is read-only and must never see libFuzzer's writes).
seed() {
	local target=$1 f
	shift
	rm -rf "$dir/seeds/$target"
	mkdir -p "$dir/seeds/$target"
	for f in "$@"; do
		[ -f "$f" ] && cp "$f" "$dir/seeds/$target/"
	done
	return 0
}

# fuzz TARGET [MAX_LEN]: runs it, prints its results line.
fuzz() {
	local target=$1 max_len=${2:-8192} bin=$dir/$1 log=$dir/$1.log rc execs crash
	mkdir -p "$dir/corpus/$target" "$dir/artifacts"
	rm -f "$dir/artifacts/$target-"*
	timeout -k 10 $((time + 60)) "$bin" -max_total_time="$time" -rss_limit_mb=2048 \
		-timeout=10 -max_len="$max_len" -print_final_stats=1 \
		-artifact_prefix="$dir/artifacts/$target-" \
		"$dir/corpus/$target" "$dir/seeds/$target" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)
	crash=$(ls "$dir/artifacts/$target-"* 2>/dev/null | head -n 1)
	if [ "$rc" -eq 0 ] && [ -n "$execs" ] && [ -z "$crash" ]; then
		echo "pass fuzz/$target # ${execs} runs in ${time} s, corpus of $(ls "$dir/corpus/$target" | wc -l)"
	else
		echo "fail fuzz/$target # exit status $rc${crash:+, reproducer $crash}; log $log:" \
			"$(grep -m1 -E 'ERROR|runtime error|deadly signal' "$log" | cut -c1-160)"
	fi
}

seed fuzz_dmar "$fixtures"/*.aml "$shared"/*.DMAR.dat
seed fuzz_madt "$fixtures"/madt*.aml "$shared"/*.APIC.dat
rm -f "$dir/seeds/fuzz_dmar/"*-iasl.aml "$dir/seeds/fuzz_madt/"*-iasl.aml

seed fuzz_config tests/guest/two-guests.cfg
seed fuzz_elf build/guest/*.elf
seed fuzz_insn_decode build/guest/obj/*.o
# No seed: its input is XORed onto a good image, so all zeros is one.
seed fuzz_bzimage
seed fuzz_insn_string
seed fuzz_mb2
tests/fuzz/mb2_seed.py "$dir/seeds/fuzz_mb2/bochs.bin"

# Two at a time: one per core.
targets="fuzz_dmar fuzz_madt fuzz_config fuzz_elf fuzz_insn_decode fuzz_bzimage fuzz_insn_string fuzz_mb2"
running=0
for t in $targets; do
	if [ "$running" -eq 2 ]; then
		wait -n
		running=$((running - 1))
	fi
	# A guest image seed is about 100 KB: shorter inputs would cut every one.
	case $t in fuzz_elf) max_len=131072 ;; *) max_len=8192 ;; esac
	fuzz "$t" "$max_len" >"$dir/$t.result" &
	running=$((running + 1))
done
wait
for t in $targets; do
	cat "$dir/$t.result"
done

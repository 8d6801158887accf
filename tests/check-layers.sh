#!/usr/bin/env bash
# The layers include only downward: arch/ includes nothing above it (no hv/,
# iommu/ or boot/ header), iommu/ includes arch/ and itself only. Prints
# results lines (pass/fail) for tests/summary.py; the second one proves the
# scan catches an upward include in a scratch tree.
#   check-layers.sh [ROOT]
set -euo pipefail
root=${1:-.}

# Every quoted include under $1 whose path starts with one of $2 (a regex).
upward() {
	grep -rnE --include='*.c' --include='*.h' --include='*.S' \
		"^[[:space:]]*#[[:space:]]*include[[:space:]]+\"($2)/" "$root/$1" 2>/dev/null || true
}

violations() {
	upward arch 'hv|iommu|boot|tests'
	upward iommu 'hv|boot|tests'
}

report() {
	local name=$1 hits=$2
	if [ -n "$hits" ]; then
		echo "fail $name # $(printf '%s\n' "$hits" | wc -l) upward includes, first: $(printf '%s\n' "$hits" | head -n 1)"
		printf '%s\n' "$hits" >&2
	else
		echo "pass $name"
	fi
}

report build/layers_include_downward "$(violations)"

if [ "$root" = . ]; then
	scratch=$(mktemp -d)
	trap 'rm -rf "$scratch"' EXIT
	mkdir -p "$scratch/arch/x86" "$scratch/iommu"
	echo '#include "iommu/vtd_unit.h"' >"$scratch/arch/x86/a.c"
	echo ' # include "hv/log.h"' >"$scratch/iommu/b.h"
	found=$(root=$scratch violations | wc -l)
	if [ "$found" -eq 2 ]; then
		echo "pass build/layers_check_catches_upward_includes"
	else
		echo "fail build/layers_check_catches_upward_includes # found $found of 2 planted"
	fi
fi

#!/usr/bin/env bash
# Compiles each case of a snippet that must not compile (tests/compile_fail/),
# one at a time with -DCASE: the cases are the names in its
# "#if defined(NAME)" / "#elif defined(NAME)" lines. CONTROL must compile;
# every other case must fail with a diagnostic matching the snippet's
# "expect-error: PATTERN" (to its end of line or "*/"), so that it fails for
# the misuse it holds. Prints one results line per case (tests/summary.py).
set -uo pipefail
snippet=${1:?usage: check-compile-fail.sh SNIPPET CC [CFLAGS...]}
cc=${2:?usage: check-compile-fail.sh SNIPPET CC [CFLAGS...]}
shift 2
prefix=compile_fail/$(basename "$snippet" .c)/$(basename "$cc")

cases=$(sed -n 's/^#\(el\)\{0,1\}if defined(\([A-Za-z0-9_]*\)).*/\2/p' "$snippet")
pattern=$(sed -n 's/.*expect-error: \(.*\)$/\1/p' "$snippet" | sed 's/ *\*\/.*//' | head -n 1)
if [ -z "$cases" ] || [ -z "$pattern" ] || ! grep -qx CONTROL <<<"$cases"; then
	echo "fail $prefix # $snippet: no cases, no CONTROL or no expect-error line"
	exit 0
fi

# Prints the compiler's diagnostics; succeeds when the case compiled.
compile() {
	"$cc" "$@" -fsyntax-only -D"$case" "$snippet" 2>&1
}

for case in $cases; do
	name=$prefix/$(tr '[:upper:]' '[:lower:]' <<<"$case")
	if out=$(compile "$@"); then
		if [ "$case" = CONTROL ]; then
			echo "pass $name"
		else
			echo "fail $name # compiled, but must not"
		fi
	elif [ "$case" = CONTROL ]; then
		echo "fail $name # does not compile: $(grep -m1 'error' <<<"$out")"
	elif grep -q -- "$pattern" <<<"$out"; then
		echo "pass $name"
	else
		echo "fail $name # failed without '$pattern': $(grep -m1 'error' <<<"$out")"
	fi
done

#!/usr/bin/env bash
# Proves from the disassembly that the hypervisor image holds no x87, MMX,
# SSE or AVX instruction: guest FPU/vector state is never the hypervisor's to
# touch. Prints one results line (pass/fail) for tests/summary.py.
set -euo pipefail
image=${1:?usage: check-no-fpu.sh IMAGE}
name=build/no_fpu_instructions

# Mnemonics: every x87 one starts with 'f' (no integer mnemonic does, once
# the 'fs' segment prefix is excluded); the rest are state save/restore and
# MXCSR access. Operands: any vector or MMX register.
hits=$(objdump -d --no-show-raw-insn "$image" | awk -F'\t' '
	NF >= 2 && $1 ~ /^ *[0-9a-f]+:$/ {
		split($2, w, " "); m = w[1]
		if ((m ~ /^f/ && m != "fs") || m ~ /^(emms|ldmxcsr|stmxcsr|fxsave|fxrstor|xsave|xrstor|vzero)/ ||
		    $2 ~ /%(x|y|z)mm[0-9]|%mm[0-7]|%st(\(|$|,)/)
			print $1 $2
	}' | head -n 20)

if [ -n "$hits" ]; then
	echo "fail $name # FPU/vector instructions in $image:"
	printf '%s\n' "$hits" >&2
	exit 0
fi
count=$(objdump -d --no-show-raw-insn "$image" | grep -c '^ *[0-9a-f]*:' || true)
if [ "$count" -lt 100 ]; then
	echo "fail $name # only $count instructions disassembled: wrong file?"
else
	echo "pass $name"
fi

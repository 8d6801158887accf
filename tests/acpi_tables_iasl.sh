#!/usr/bin/env bash
# The ACPI tables hv synthesises for a Linux guest (hv/guest/platform/
# acpi_tables.c) through iasl: the unit test dumps them for a description
# with a PCI view and one without; each is disassembled (iasl -d) and fails
# on any warning or error iasl reports; the disassembled DSDT must name what
# Linux looks for and compile back cleanly. Prints results lines for
# tests/summary.py.
#   acpi_tables_iasl.sh TEST_BINARY WORK_DIR
set -uo pipefail
test_bin=$1 work=$2

rm -rf "$work"
mkdir -p "$work"
if ACPI_DUMP_DIR=$work "$test_bin" >"$work/unit.log" 2>&1; then
	echo "pass acpi-tables/dump"
else
	echo "fail acpi-tables/dump # $test_bin exited $?, see $work/unit.log"
	exit 0
fi

# iasl names what it finds wrong in a table: a checksum, a length, an
# opcode; in the log ("Firmware Warning", "Error") or in the output.
complaint() {
	grep -ihm1 -E 'warning|error|incorrect|invalid|\*\*\*\*' "$@" 2>/dev/null | head -n 1
}

check_table() {
	local view=$1 name=$2 dir=$work/$1
	local result=acpi-tables/$view/$name

	if [ ! -s "$dir/$name.dat" ]; then
		echo "fail $result # the test wrote no $name.dat"
		return
	fi
	if [ "$name" = RSDP ]; then
		# Checked by the unit test instead: iasl -d reads no lone RSDP.
		echo "skip $result # iasl $(iasl -v | grep -o 'version [0-9]*') -d reads no RSDP file, not even one it compiled"
		return
	fi
	(cd "$dir" && timeout -k 5 30 iasl -d "$name.dat" >"$name.log" 2>&1)
	local rc=$? what
	if [ $rc -ne 0 ] || [ ! -s "$dir/$name.dsl" ]; then
		echo "fail $result # iasl -d exited $rc, see $dir/$name.log"
		return
	fi
	what=$(complaint "$dir/$name.log" "$dir/$name.dsl")
	if [ -n "$what" ]; then
		echo "fail $result # iasl: $(echo "$what" | tr -s ' \t' ' ' | head -c 200)"
		return
	fi
	echo "pass $result"
}

# The disassembled DSDT names the devices and state Linux needs, and
# iasl compiles it back without a warning (its resource checks included).
check_dsdt() {
	local view=$1 dir=$work/$1
	local dsl=$dir/DSDT.dsl result=acpi-tables/$view/DSDT-contents
	local want=('Device (COM1)' 'EisaId ("PNP0501")' 'Device (RTC0)' 'EisaId ("PNP0B00")' 'Name (_S5, Package (0x04)')

	[ -s "$dsl" ] || { echo "fail $result # no DSDT.dsl"; return; }
	[ "$view" = pci ] && want+=('Device (PCI0)' 'EisaId ("PNP0A08")' 'EisaId ("PNP0A03")')
	for w in "${want[@]}"; do
		if ! grep -qF "$w" "$dsl"; then
			echo "fail $result # no '$w' in the disassembled DSDT"
			return
		fi
	done
	if [ "$view" = nopci ] && grep -q 'PNP0A0[38]' "$dsl"; then
		echo "fail $result # a root bridge without a PCI view"
		return
	fi
	echo "pass $result"

	result=acpi-tables/$view/DSDT-recompiles
	(cd "$dir" && timeout -k 5 30 iasl -p recompiled DSDT.dsl >recompile.log 2>&1)
	local rc=$?
	if [ $rc -ne 0 ] || ! grep -q ' 0 Errors, 0 Warnings' "$dir/recompile.log"; then
		echo "fail $result # iasl exited $rc: $(grep -m1 -E 'Error|Warning' "$dir/recompile.log" | tr -s ' \t' ' ')"
		return
	fi
	echo "pass $result"
}

for view in pci nopci; do
	tables="RSDP XSDT FACP DSDT APIC"
	[ "$view" = pci ] && tables="$tables MCFG"
	for name in $tables; do
		check_table "$view" "$name"
	done
	check_dsdt "$view"
done

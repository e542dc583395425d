#!/bin/sh
# run_ktest.sh QEMU IMAGE "COMMAND LINE" EXPECTED_STATUS
# Boots a private copy of the self-test disk in QEMU with the given kernel command line
# (written into LBA 1 after the "CMDLINE:" magic, ABI.md) and passes when ktest powers off
# through pw_halt with EXPECTED_STATUS (QEMU's isa-debug-exit returns (status << 1) | 1).
# A hung guest is stopped by ctest's TIMEOUT; the time taken is never a pass criterion.
set -u
qemu=$1 image=$2 cmdline=$3 expected=$4
tmp=$(mktemp /tmp/ktest.XXXXXX.img) || exit 1
trap 'rm -f "$tmp"' EXIT
cp "$image" "$tmp"
# zero the block, then write the magic and the command line
dd if=/dev/zero of="$tmp" bs=512 seek=1 count=1 conv=notrunc 2>/dev/null
printf 'CMDLINE:%s' "$cmdline" | dd of="$tmp" bs=1 seek=512 conv=notrunc 2>/dev/null
"$qemu" -drive file="$tmp",format=raw -m 16 -serial stdio -display none -monitor none \
    -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04 </dev/null
rc=$?
want=$(( (expected << 1) | 1 ))
if [ "$rc" -ne "$want" ]; then
    echo "run_ktest: QEMU exit status $rc, expected $want (pw_halt($expected))"
    exit 1
fi
echo "run_ktest: pw_halt($expected) as expected"

#!/usr/bin/env bash
# Build the PVH test guest: build.sh [OUTDIR]  ->  OUTDIR/guest.elf
# Needs only gcc (any x86 gcc that accepts -m32; no 32-bit libc or libgcc),
# as and ld from binutils.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-$here/out}"
mkdir -p "$out"

# shellcheck source=../guest-lib/flags.sh
source "$here/../guest-lib/flags.sh"

as "${GUEST_ASFLAGS[@]}" -o "$out/entry.o" "$here/entry.s"
gcc "${GUEST_CFLAGS[@]}" -c -o "$out/dump.o" "$here/dump.c"
ld -m elf_i386 -nostdlib -T "$here/guest.ld" -o "$out/guest.elf" \
    "$out/entry.o" "$out/dump.o"
echo "built $out/guest.elf"

# What the run scripts of the test guests (pvh-guest, multiboot-guest,
# efi-memmap-app) have in common: how QEMU is started, how COM1 is captured
# and how its exit status is judged. Sourced (bash), not run; messages name
# the sourcing script ($0).
#
# Variables a caller may set before calling (the environment's QEMU,
# OVMF_CODE and OVMF_VARS are the defaults):
#   qemu       the QEMU binary (default qemu-system-x86_64)
#   ovmf_code  OVMF firmware image (default Debian's 4 MiB build)
#   ovmf_vars  OVMF variable store template, copied before each boot

qemu="${QEMU:-qemu-system-x86_64}"
ovmf_code="${OVMF_CODE:-/usr/share/OVMF/OVMF_CODE_4M.fd}"
ovmf_vars="${OVMF_VARS:-/usr/share/OVMF/OVMF_VARS_4M.fd}"

# need_files HINT FILE...
#   Exit 1 naming the first FILE that cannot be read; HINT says what to install.
need_files() {
    local hint="$1" f
    shift
    for f in "$@"; do
        [ -r "$f" ] || { echo "$0: $f is missing ($hint)" >&2; exit 1; }
    done
}

# ovmf_drives WORKDIR
#   Copy the variable store template to WORKDIR/vars.fd and set the array
#   ovmf_args to the two pflash drives (firmware read-only, variables writable).
ovmf_drives() {
    cp "$ovmf_vars" "$1/vars.fd"
    ovmf_args=(-drive "if=pflash,format=raw,unit=0,readonly=on,file=$ovmf_code"
               -drive "if=pflash,format=raw,unit=1,file=$1/vars.fd")
}

# qemu_capture SECONDS OUTFILE QEMU-ARG...
#   Run $qemu for at most SECONDS with the given arguments, then headless
#   ones (no default devices, display, network or monitor, no reboot, COM1
#   on stdio), then those in the array qemu_tail; stdin closed, COM1 written
#   to OUTFILE. Sets qemu_status to QEMU's exit status (124 when it timed
#   out); never fails itself.
qemu_tail=()
qemu_capture() {
    local seconds="$1" outfile="$2"
    shift 2
    qemu_status=0
    timeout "$seconds" "$qemu" "$@" \
        -nodefaults -nographic -display none -no-reboot -nic none \
        -serial stdio -monitor none "${qemu_tail[@]}" \
        </dev/null >"$outfile" || qemu_status=$?
}

# qemu_dump SECONDS OUTFILE HEADER QEMU-ARG...
#   qemu_capture with an isa-debug-exit device at port 0xf4. The guests end
#   by writing 0x10 there, so QEMU exits with (0x10 << 1) | 1 = 33. Returns 0
#   exactly when it did and OUTFILE contains HEADER (a grep pattern);
#   otherwise says why on stderr and returns 1.
qemu_dump() {
    local seconds="$1" outfile="$2" header="$3"
    local qemu_tail=(-device isa-debug-exit,iobase=0xf4,iosize=0x04)
    shift 3
    qemu_capture "$seconds" "$outfile" "$@"
    if [ "$qemu_status" -ne 33 ]; then
        if [ "$qemu_status" -eq 124 ]; then
            echo "$0: QEMU timed out after $seconds s (guest hung?)" >&2
        else
            echo "$0: QEMU exited with status $qemu_status, expected 33 (isa-debug-exit 0x10)" >&2
        fi
        return 1
    fi
    if ! grep -aq "$header" "$outfile"; then
        echo "$0: no dump header in $outfile" >&2
        return 1
    fi
}

/**
 * Parser for the early boot log of Linux booted with `efi=debug` (see
 * run-linux.sh): the EFI memory map lines that `efi_print_memmap` prints
 * (`efi: memNN: [Type|attrs] range=[0x…-0x…] (NMB)`) and the e820 table the
 * EFI stub handed the kernel (`BIOS-e820: [mem 0x…-0x…] usable`). Pure
 * TypeScript; the names and columns below are written from Linux's
 * `drivers/firmware/efi/efi.c` and `arch/x86/kernel/e820.c`, independently of
 * the library, so that the tests can rebuild each descriptor from its text.
 */

/** One `efi: memNN:` line. */
export interface LinuxMemLine {
  /** The line from `efi: ` on, without the timestamp. */
  text: string;
  index: number;
  type: number;
  attribute: bigint;
  start: bigint;
  /** Inclusive end, as printed. */
  end: bigint;
  mib: bigint;
}

/** One `BIOS-e820:` line. */
export interface LinuxE820Line {
  addr: bigint;
  size: bigint;
  /** The e820 type value, from the printed name. */
  type: number;
}

export interface LinuxEfiLog {
  /** The first run of `efi: mem00…` lines (the boot-time map; a later run lists the runtime map). */
  mem: LinuxMemLine[];
  e820: LinuxE820Line[];
}

const TYPE_NAMES = [
  'Reserved', 'Loader Code', 'Loader Data', 'Boot Code', 'Boot Data', 'Runtime Code', 'Runtime Data', 'Conventional',
  'Unusable', 'ACPI Reclaim', 'ACPI Mem NVS', 'MMIO', 'MMIO Port', 'PAL Code', 'Persistent', 'Unaccepted',
];
const COLUMN_BITS: Record<string, number> = {
  RUN: 63, HP: 20, MR: 16, CC: 19, SP: 18, NV: 15, XP: 14, RP: 13, WP: 12, RO: 17, UCE: 4, WB: 3, WT: 2, WC: 1, UC: 0,
};
/** e820_print_type(). */
const E820_NAMES: Record<string, number> = {
  usable: 1, reserved: 2, 'ACPI data': 3, 'ACPI NVS': 4, unusable: 5, 'persistent (type 7)': 7, 'persistent (type 12)': 12, 'soft reserved': 0xefffffff,
};

const MEM = /^\[[ \d.]+\] (efi: mem(\d+): \[(.{12}|type=\d+)\|(.*)\] range=\[0x([0-9a-f]{16})-0x([0-9a-f]{16})\] \((\d+)MB\))$/;
const E820 = /^\[[ \d.]+\] BIOS-e820: \[mem 0x([0-9a-f]+)-0x([0-9a-f]+)\] (.*)$/;

/** Parses the log; throws if a line does not fit or there is no map. */
export function parseLinuxEfiLog(text: string): LinuxEfiLog {
  const lines = text.split('\n').map((l) => l.replace(/\r+$/, '').replace(/^.*?(?=\[ *\d+\.\d+\] )/, ''));
  const mem: LinuxMemLine[] = [];
  const e820: LinuxE820Line[] = [];
  for (const l of lines) {
    const e = E820.exec(l);
    if (e !== null) {
      const type = E820_NAMES[e[3] as string];
      if (type === undefined) throw new Error(`unknown e820 type name in ${JSON.stringify(l)}`);
      const addr = BigInt(`0x${e[1]}`);
      e820.push({ addr, size: BigInt(`0x${e[2]}`) - addr + 1n, type });
      continue;
    }
    const m = MEM.exec(l);
    if (m === null) continue;
    const index = Number(m[2]);
    if (index !== mem.length) break;
    const typeText = m[3] as string;
    const type = typeText.startsWith('type=') ? Number(typeText.slice(5)) : TYPE_NAMES.indexOf(typeText.trimEnd());
    if (type < 0) throw new Error(`unknown type name in ${JSON.stringify(l)}`);
    let attribute = 0n;
    const attrText = m[4] as string;
    if (attrText.startsWith('attr=0x')) attribute = BigInt(attrText.slice(5));
    else {
      for (const cell of attrText.split('|')) {
        const name = cell.trim();
        if (name === '') continue;
        const bit = COLUMN_BITS[name];
        if (bit === undefined) throw new Error(`unknown attribute column ${name}`);
        attribute |= 1n << BigInt(bit);
      }
    }
    mem.push({
      text: m[1] as string,
      index,
      type,
      attribute,
      start: BigInt(`0x${m[5]}`),
      end: BigInt(`0x${m[6]}`),
      mib: BigInt(m[7] as string),
    });
  }
  if (mem.length === 0) throw new Error('no efi: mem00 line');
  return { mem, e820 };
}

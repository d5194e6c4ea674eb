/**
 * Parser for the serial dumps of the Multiboot test kernels
 * (test/tools/multiboot-guest/dump.c):
 *
 *     BOOTPROTO-MB1-DUMP v1
 *     eax <hex>
 *     ebx <hex>
 *     region <label> <paddr hex> <length hex>
 *     <the bytes as hex, 32 a line>
 *     ...
 *     end
 *
 * Noise before the header (SeaBIOS's banner, escapes, CRs) is skipped. No
 * Node imports: the browser test uses it too.
 */

/** One dumped region of guest-physical memory. */
export interface DumpRegion {
  /** `info`, `cmdline`, `mods`, `mod0-string`, `mod0-data`, `mmap`, … */
  label: string;
  /** Where the bytes were. */
  paddr: bigint;
  /** The bytes. */
  bytes: Uint8Array;
}

/** A parsed dump. */
export interface MbDump {
  /** `%eax` at entry (the loader's magic). */
  eax: number;
  /** `%ebx` at entry (the information's address). */
  ebx: number;
  /** The regions, in the order printed. */
  regions: DumpRegion[];
}

const HEX = /^[0-9a-f]+$/;

/** Parses the first dump block with header `header` in `text`; throws on anything malformed. */
export function parseMbDump(text: string, header = 'BOOTPROTO-MB1-DUMP v1'): MbDump {
  const start = text.indexOf(header);
  if (start < 0) throw new Error(`no "${header}" in the serial output`);
  const lines = text.slice(start + header.length).replace(/\r/g, '').split('\n');
  let i = 1;
  const field = (name: string): number => {
    const m = new RegExp(`^${name} ([0-9a-f]+)$`).exec(lines[i] ?? '');
    if (m === null || m[1] === undefined) throw new Error(`dump line ${i}: expected "${name} <hex>", got "${lines[i]}"`);
    i++;
    return Number.parseInt(m[1], 16);
  };
  const eax = field('eax');
  const ebx = field('ebx');
  const regions: DumpRegion[] = [];
  for (;;) {
    const line = lines[i++];
    if (line === undefined) throw new Error('dump ends without "end"');
    if (line === 'end') break;
    const m = /^region (\S+) ([0-9a-f]+) ([0-9a-f]+)$/.exec(line);
    if (m === null || m[1] === undefined || m[2] === undefined || m[3] === undefined) throw new Error(`dump line ${i}: not a region line: "${line}"`);
    const length = Number.parseInt(m[3], 16);
    const bytes = new Uint8Array(length);
    let got = 0;
    while (got < length) {
      const data = lines[i++] ?? '';
      if (!HEX.test(data) || data.length % 2 !== 0) throw new Error(`dump line ${i}: bad hex "${data}"`);
      for (let k = 0; k < data.length; k += 2) bytes[got++] = Number.parseInt(data.slice(k, k + 2), 16);
    }
    if (got !== length) throw new Error(`region ${m[1]}: ${got} bytes, expected ${length}`);
    regions.push({ label: m[1], paddr: BigInt(`0x${m[2]}`), bytes });
  }
  return { eax, ebx, regions };
}

/** The region labelled `label`; throws when absent. */
export function regionOf(dump: MbDump, label: string): DumpRegion {
  const r = dump.regions.find((x) => x.label === label);
  if (r === undefined) throw new Error(`no region ${label} in the dump`);
  return r;
}

/**
 * The dump's regions as a list for `createPhysicalMemory`, merging regions
 * that overlap or touch (the module list and the strings QEMU packs next to
 * it) so that the memory's regions do not overlap.
 */
export function memoryRegions(dump: MbDump): { paddr: bigint; bytes: Uint8Array }[] {
  const sorted = [...dump.regions].sort((a, b) => (a.paddr < b.paddr ? -1 : a.paddr > b.paddr ? 1 : 0));
  const out: { paddr: bigint; bytes: Uint8Array }[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && r.paddr <= last.paddr + BigInt(last.bytes.length)) {
      const end = r.paddr + BigInt(r.bytes.length);
      const lastEnd = last.paddr + BigInt(last.bytes.length);
      const merged = new Uint8Array(Number((end > lastEnd ? end : lastEnd) - last.paddr));
      merged.set(last.bytes);
      merged.set(r.bytes, Number(r.paddr - last.paddr));
      last.bytes = merged;
    } else out.push({ paddr: r.paddr, bytes: r.bytes.slice() });
  }
  return out;
}

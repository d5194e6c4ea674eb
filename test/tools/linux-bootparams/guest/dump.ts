/**
 * Parser for the serial output of the Linux boot protocol test guest (dump.c):
 *
 *     BOOTPROTO-LINUX-DUMP v1
 *     region <label> <paddr hex> <length hex>
 *     <length bytes as hex, 32 bytes a line; the last line shorter>
 *     ...
 *     end
 *
 * Noise before the header (SeaBIOS's banner, escape sequences, CRs) is skipped.
 * Isomorphic: no node: imports (the browser test may use it).
 */

/** One dumped range of guest memory. */
export interface LinuxDumpRegion {
  /** `real`, `cmdline`, `initrd`, `setup_data0`, … */
  label: string;
  /** Guest-physical address of the first byte. */
  paddr: bigint;
  /** The bytes. */
  bytes: Uint8Array;
}

const HEADER = 'BOOTPROTO-LINUX-DUMP v1';
const MAX_REGION = 0x20000;

/** Parses the first dump block in `text`; throws an Error on a malformed block. */
export function parseLinuxDump(text: string): LinuxDumpRegion[] {
  const start = text.indexOf(HEADER);
  if (start < 0) throw new Error(`Linux dump: "${HEADER}" not found`);
  const lines = text.slice(start + HEADER.length).replace(/\r/g, '').split('\n');
  const regions: LinuxDumpRegion[] = [];
  let i = 0;
  for (;;) {
    const line = lines[i++];
    if (line === undefined) throw new Error('Linux dump: no "end" line');
    if (line === '') continue;
    if (line === 'end') return regions;
    const m = /^region ([A-Za-z0-9_]+) ([0-9a-f]+) ([0-9a-f]+)$/.exec(line);
    if (m === null) throw new Error(`Linux dump: unexpected line "${line}"`);
    const length = parseInt(m[3] as string, 16);
    if (length > MAX_REGION) throw new Error(`Linux dump: region ${m[1]} of ${length} bytes is too long`);
    const bytes = new Uint8Array(length);
    let got = 0;
    while (got < length) {
      const data = lines[i++];
      if (data === undefined || !/^[0-9a-f]+$/.test(data) || data.length % 2 !== 0) throw new Error(`Linux dump: bad data line in region ${m[1]}`);
      for (let k = 0; k < data.length && got < length; k += 2) bytes[got++] = parseInt(data.slice(k, k + 2), 16);
    }
    regions.push({ label: m[1] as string, paddr: BigInt(`0x${m[2] as string}`), bytes });
  }
}

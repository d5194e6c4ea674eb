/**
 * Parser for the serial output of the PVH test guest (see dump.c).
 *
 * Format (lowercase hex without "0x"; numbers are not zero-padded):
 *
 *     BOOTPROTO-PVH-DUMP v1
 *     ebx <hex>
 *     region <label> <paddr hex> <length hex>
 *     <length bytes as hex, 32 bytes (64 digits) per line; last line shorter>
 *     ...
 *     end
 *
 * The block may be surrounded by other serial output (SeaBIOS banner,
 * terminal escapes, CR characters); only the first block is read, and the
 * header may follow noise on the same line (SeaBIOS prints "Booting from
 * ROM.." without a newline).
 */

export interface DumpRegion {
  /** e.g. "start_info", "modlist", "mod0-cmdline", "mod0-data", "cmdline", "memmap", "rsdp" */
  label: string;
  /** Guest-physical address the bytes were read from. */
  paddr: bigint;
  /** The bytes, as many as the region line's length says. */
  bytes: Uint8Array;
}

export interface PvhDump {
  /** %ebx at entry: physical address of struct hvm_start_info. */
  ebx: number;
  /** Regions in the order the guest printed them; labels are unique. */
  regions: DumpRegion[];
}

const HEADER = "BOOTPROTO-PVH-DUMP v1";
const BYTES_PER_LINE = 32;
/** Sanity bound for one region's length (the guest caps modules at 64 KiB). */
const MAX_REGION_LENGTH = 0x100000;

const HEX = /^[0-9a-f]+$/;
const LABEL = /^[A-Za-z0-9_.-]+$/;

function fail(lineNo: number, message: string): never {
  throw new Error(`PVH dump, line ${lineNo}: ${message}`);
}

function parseHex(text: string, lineNo: number, what: string): bigint {
  if (!HEX.test(text)) fail(lineNo, `${what} is not lowercase hex: "${text}"`);
  return BigInt(`0x${text}`);
}

/** Parse the first PVH dump block found in `text`. Throws on malformed input. */
export function parsePvhDump(text: string): PvhDump {
  const start = text.indexOf(HEADER);
  if (start < 0) throw new Error(`PVH dump: header "${HEADER}" not found`);

  // Line numbers in messages count from the line holding the header (1).
  const lines = text.slice(start).replace(/\r/g, "").split("\n");
  let i = 0;
  const next = (): string | undefined => lines[i++];

  const header = next();
  if (header?.trimEnd() !== HEADER) fail(1, `unexpected text after header: "${header ?? ""}"`);

  const ebxLine = next();
  const ebxMatch = ebxLine === undefined ? null : /^ebx (\S+)$/.exec(ebxLine.trimEnd());
  if (ebxMatch === null || ebxMatch[1] === undefined) {
    fail(i, `expected "ebx <hex>", got "${ebxLine ?? "<end of input>"}"`);
  }
  const ebx = parseHex(ebxMatch[1], i, "ebx");
  if (ebx > BigInt(0xffffffff)) fail(i, `ebx does not fit in 32 bits: ${ebxMatch[1]}`);

  const regions: DumpRegion[] = [];
  const seen = new Set<string>();

  for (;;) {
    const line = next();
    if (line === undefined) fail(i, `input ended before "end"`);
    const trimmed = line.trimEnd();
    if (trimmed === "end") break;

    const fields = trimmed.split(" ");
    if (fields.length !== 4 || fields[0] !== "region") {
      fail(i, `expected "region <label> <paddr> <length>" or "end", got "${trimmed}"`);
    }
    const [, label = "", paddrText = "", lengthText = ""] = fields;
    if (!LABEL.test(label)) fail(i, `bad region label "${label}"`);
    if (seen.has(label)) fail(i, `region "${label}" appears twice`);
    seen.add(label);
    const paddr = parseHex(paddrText, i, `paddr of region "${label}"`);
    const lengthBig = parseHex(lengthText, i, `length of region "${label}"`);
    if (lengthBig > BigInt(MAX_REGION_LENGTH)) {
      fail(i, `region "${label}" is implausibly long (0x${lengthText} bytes)`);
    }
    const length = Number(lengthBig);

    const bytes = new Uint8Array(length);
    for (let offset = 0; offset < length; offset += BYTES_PER_LINE) {
      const dataLine = next();
      if (dataLine === undefined) fail(i, `input ended inside region "${label}"`);
      const hex = dataLine.trimEnd();
      const count = Math.min(BYTES_PER_LINE, length - offset);
      if (hex.length !== count * 2 || !HEX.test(hex)) {
        fail(i, `region "${label}": expected ${count} bytes as ${count * 2} hex digits, got "${hex}"`);
      }
      for (let k = 0; k < count; k++) {
        bytes[offset + k] = Number.parseInt(hex.slice(k * 2, k * 2 + 2), 16);
      }
    }
    regions.push({ label, paddr, bytes });
  }

  return { ebx: Number(ebx), regions };
}

/**
 * Hand-made EFI memory maps for the efi-memmap tests: bytes written field by
 * field from the UEFI offset table (Type at 0, PhysicalStart at 8,
 * VirtualStart at 16, NumberOfPages at 24, Attribute at 32), independent of
 * the library's own encoder.
 */
export interface RawDescriptor {
  type: number;
  start: bigint;
  pages: bigint;
  attribute?: bigint;
  virtualStart?: bigint;
  pad?: number;
  /** Bytes written after offset 40 (must fit the descriptor size). */
  trailing?: number[];
}

/** Writes `descriptors` `descriptorSize` bytes apart, little-endian. */
export function rawMap(descriptors: readonly RawDescriptor[], descriptorSize = 48): Uint8Array {
  const out = new Uint8Array(descriptors.length * descriptorSize);
  const dv = new DataView(out.buffer);
  descriptors.forEach((d, i) => {
    const o = i * descriptorSize;
    dv.setUint32(o, d.type, true);
    dv.setUint32(o + 4, d.pad ?? 0, true);
    dv.setBigUint64(o + 8, d.start, true);
    dv.setBigUint64(o + 16, d.virtualStart ?? 0n, true);
    dv.setBigUint64(o + 24, d.pages, true);
    dv.setBigUint64(o + 32, d.attribute ?? 0n, true);
    (d.trailing ?? []).forEach((b, k) => {
      out[o + 40 + k] = b;
    });
  });
  return out;
}

/** WB|WT|WC|UC, what OVMF gives RAM. */
export const RAM_ATTR = 0xfn;
/** EFI_MEMORY_RUNTIME. */
export const RUNTIME = 0x8000000000000000n;

/**
 * A sorted map with one descriptor of every standard type 0–15, plus an OEM
 * and an OS type, each 16 pages, back to back from 1 MiB, with attributes
 * that exercise the low bits and bit 63.
 */
export function everyTypeMap(): RawDescriptor[] {
  const out: RawDescriptor[] = [];
  let at = 0x100000n;
  const types = [...Array.from({ length: 16 }, (_, i) => i), 0x70000001, 0x80000005];
  for (const type of types) {
    const runtime = type === 5 || type === 6 || type === 11 || type === 12;
    out.push({ type, start: at, pages: 16n, attribute: RAM_ATTR | (runtime ? RUNTIME : 0n) });
    at += 16n * 4096n;
  }
  return out;
}

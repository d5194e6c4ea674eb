/**
 * Reads, from the serial output of the multiboot tests' Multiboot 2 dump
 * kernel booted by GRUB on UEFI (see run-grub-efi.sh), the two memory maps
 * GRUB gave it: the Multiboot 2 memory map (tag type 6) and the EFI memory
 * map (tag type 17). Pure TypeScript, independent of the multiboot module:
 * the dump is "BOOTPROTO-MB2-DUMP v1", "eax …", "ebx …", then
 * "region <label> <paddr> <length>" (hex) followed by the bytes as hex lines
 * and "end"; the tags are walked as the Multiboot 2 specification says
 * (section 3.6: an 8-byte header, tags 8-byte aligned, each `type` and `size`
 * u32, type 0 ends the list).
 */

/** One entry of the Multiboot 2 memory map tag. */
export interface Mb2Mmap {
  addr: bigint;
  len: bigint;
  type: number;
}

/** What GRUB handed the kernel about memory. */
export interface GrubMemoryTags {
  /** The mmap tag's entries (tag type 6). */
  mmap: Mb2Mmap[];
  /** The EFI memory map tag (type 17): its descriptor size, version and bytes. */
  efi: { descriptorSize: number; descriptorVersion: number; bytes: Uint8Array };
}

function region(text: string, label: string): Uint8Array {
  const lines = text.split('\n').map((l) => l.replace(/\r+$/, ''));
  const head = lines.findIndex((l) => l.endsWith('BOOTPROTO-MB2-DUMP v1'));
  if (head < 0) throw new Error('no BOOTPROTO-MB2-DUMP v1 header');
  for (let i = head + 1; i < lines.length; i++) {
    const m = /^region (\S+) ([0-9a-f]+) ([0-9a-f]+)$/.exec(lines[i] as string);
    if (m === null || m[1] !== label) continue;
    const length = parseInt(m[3] as string, 16);
    if (length > 1 << 20) throw new Error(`region ${label} too large`);
    let hex = '';
    for (let k = i + 1; k < lines.length && hex.length < length * 2; k++) hex += (lines[k] as string).trim();
    if (hex.length < length * 2 || !/^[0-9a-f]*$/.test(hex)) throw new Error(`region ${label}: bad or short hex`);
    return Uint8Array.from({ length }, (_, j) => parseInt(hex.slice(j * 2, j * 2 + 2), 16));
  }
  throw new Error(`no region ${label}`);
}

/** Parses the dump; throws when the info block or either tag is missing. */
export function parseGrubMemoryTags(text: string): GrubMemoryTags {
  const info = region(text, 'info');
  const dv = new DataView(info.buffer, info.byteOffset, info.byteLength);
  const total = Math.min(dv.getUint32(0, true), info.length);
  let mmap: Mb2Mmap[] | undefined;
  let efi: GrubMemoryTags['efi'] | undefined;
  for (let off = 8; off + 8 <= total; ) {
    const type = dv.getUint32(off, true);
    const size = dv.getUint32(off + 4, true);
    if (type === 0 || size < 8 || off + size > total) break;
    if (type === 6) {
      const entrySize = dv.getUint32(off + 8, true);
      mmap = [];
      for (let e = off + 16; e + entrySize <= off + size; e += entrySize) {
        mmap.push({ addr: dv.getBigUint64(e, true), len: dv.getBigUint64(e + 8, true), type: dv.getUint32(e + 16, true) });
      }
    } else if (type === 17) {
      efi = { descriptorSize: dv.getUint32(off + 8, true), descriptorVersion: dv.getUint32(off + 12, true), bytes: info.slice(off + 16, off + size) };
    }
    off += (size + 7) & ~7;
  }
  if (mmap === undefined || efi === undefined) throw new Error('the dump has no mmap tag or no EFI mmap tag');
  return { mmap, efi };
}

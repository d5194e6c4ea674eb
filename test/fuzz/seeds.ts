/**
 * Seeds for the fuzz targets: the committed real fixtures (files made by
 * real tools and dumps printed by real guests under QEMU), and the memory
 * container that lets a mutated input stand for guest-physical memory.
 */
import { createPhysicalMemory, type MemoryRegion, type PhysicalMemory } from '../../src/core/index.js';
import { listFiles, readBytes, readGunzipped, readText } from '../helpers/files.js';
import { parseMbDump } from '../multiboot/dump.js';
import { parseLinuxDump } from '../tools/linux-bootparams/guest/dump.js';
import { parseEfiMemmapDump } from '../tools/efi-memmap-app/dump.js';
import { parsePvhDump } from '../tools/pvh-guest/dump.js';

// Read through test/helpers/files.ts (the disk in Node, the dev server in
// Chromium), so that the library targets run in both vitest projects.
const root = 'test/fixtures/';

/** The bytes of `test/fixtures/<path>` (gunzipped when it ends in .gz). */
export function fixture(path: string): Uint8Array {
  return path.endsWith('.gz') ? readGunzipped(root + path) : readBytes(root + path);
}

/** The text of `test/fixtures/<path>`. */
export function fixtureText(path: string): string {
  return readText(root + path);
}

/** Every fixture file under `test/fixtures/<dir>` whose name matches `re`. */
export function fixtures(dir: string, re: RegExp): Uint8Array[] {
  return listFiles(root + dir)
    .filter((f) => re.test(f))
    .map((f) => fixture(`${dir}/${f}`));
}

/**
 * A memory container: `u32 root`, then regions `u32 paddr, u32 length, bytes`.
 * The fuzzer mutates it like any input; {@link openContainer} reads it back
 * leniently (a length past the end is clamped, overlapping regions dropped),
 * so every mutated container still gives a memory and a root pointer.
 */
export function makeContainer(rootPaddr: number | bigint, regions: readonly { paddr: bigint; bytes: Uint8Array }[]): Uint8Array {
  let n = 4;
  for (const r of regions) n += 8 + r.bytes.length;
  const out = new Uint8Array(n);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, Number(BigInt(rootPaddr) & 0xffffffffn), true);
  let at = 4;
  for (const r of regions) {
    dv.setUint32(at, Number(r.paddr & 0xffffffffn), true);
    dv.setUint32(at + 4, r.bytes.length, true);
    out.set(r.bytes, at + 8);
    at += 8 + r.bytes.length;
  }
  return out;
}

/** Reads a container back: the root pointer and a memory over its regions. */
export function openContainer(input: Uint8Array): { root: number; memory: PhysicalMemory } {
  const dv = new DataView(input.buffer, input.byteOffset, input.byteLength);
  const rootPaddr = input.length >= 4 ? dv.getUint32(0, true) : 0;
  const regions: MemoryRegion[] = [];
  let at = 4;
  while (at + 8 <= input.length) {
    const paddr = dv.getUint32(at, true);
    const length = Math.min(dv.getUint32(at + 4, true), input.length - at - 8);
    const bytes = input.subarray(at + 8, at + 8 + length);
    at += 8 + length;
    const start = BigInt(paddr);
    const end = start + BigInt(length);
    if (length === 0 || regions.some((r) => start < r.paddr + BigInt(r.bytes.length) && r.paddr < end)) continue;
    // Copies: a builder or writer must not change the fuzzer's input.
    regions.push({ paddr: start, bytes: bytes.slice() });
  }
  return { root: rootPaddr, memory: createPhysicalMemory(regions) };
}

/** PVH handoffs dumped by the test guest under QEMU. */
export function pvhDumps(): { ebx: number; regions: { label: string; paddr: bigint; bytes: Uint8Array }[] }[] {
  return ['qemu-pc-128M.serial.txt', 'qemu-q35-512M.serial.txt'].map((f) => parsePvhDump(fixtureText(`pvh/${f}`)));
}

/** Multiboot 1 information dumps (QEMU and GRUB). */
export function mb1Dumps(): ReturnType<typeof parseMbDump>[] {
  return ['grub-mb1-128M.serial.txt', 'grub-mb1-video-128M.serial.txt', 'qemu-mb1-aout-64M.serial.txt', 'qemu-mb1-elf-128M.serial.txt'].map((f) =>
    parseMbDump(fixtureText(`multiboot/${f}`)),
  );
}

/** Multiboot 2 information dumps (GRUB, BIOS and EFI). */
export function mb2Dumps(): ReturnType<typeof parseMbDump>[] {
  return ['grub-mb2-128M.serial.txt', 'grub-mb2-video-128M.serial.txt', 'grub-efi-mb2-256M.serial.txt'].map((f) =>
    parseMbDump(fixtureText(`multiboot/${f}`), 'BOOTPROTO-MB2-DUMP v1'),
  );
}

/** Linux zero pages and what they point to, dumped by the test guest (QEMU's and GRUB's loaders). */
export function linuxDumps(): { root: bigint; regions: { label: string; paddr: bigint; bytes: Uint8Array }[] }[] {
  return ['qemu-pc-128M.serial.txt', 'grub-linux-pc-128M.serial.txt', 'grub-linux16-pc-128M.serial.txt'].map((f) => {
    const regions = parseLinuxDump(fixtureText(`linux-bootparams/${f}`));
    const zp = regions.find((r) => r.label === 'zeropage' || r.label === 'real');
    return { root: zp?.paddr ?? 0n, regions };
  });
}

/** EFI memory maps printed by OVMF's GetMemoryMap under QEMU, as `u32 descriptorSize, u32 descriptorVersion, map`. */
export function efiMaps(): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const f of ['ovmf-q35-256M.serial.txt', 'ovmf-pc-128M.serial.txt', 'ovmf-q35-3G.serial.txt']) {
    const d = parseEfiMemmapDump(fixtureText(`efi-memmap/${f}`));
    out.push(withMapHeader(d.descriptorSize, d.descriptorVersion, d.bytes.subarray(0, d.mapSize)));
  }
  out.push(withMapHeader(48, 1, fixture('efi-memmap/ovmf-q35-256M.memmap.bin')));
  return out;
}

/** `u32 descriptorSize, u32 descriptorVersion, map`. */
export function withMapHeader(descriptorSize: number, descriptorVersion: number, map: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + map.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, descriptorSize, true);
  dv.setUint32(4, descriptorVersion, true);
  out.set(map, 8);
  return out;
}

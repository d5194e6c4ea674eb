/**
 * Mutation pass over real handoffs (QEMU's PVH, GRUB's Multiboot 1 and 2):
 * random bytes of every region flipped, then the conformance checks must
 * return problems and never throw, and the bridges, given whatever still
 * decodes, must never throw either (decoders may throw BootprotoError only).
 */
import fc from 'fast-check';
import { readText } from '../helpers/files.js';
import { describe, expect, it } from 'vitest';
import { BootprotoError, createPhysicalMemory, type MemoryRegion } from '../../src/core/index.js';
import { bootParamsFromMb1, bootParamsFromMb2, bootParamsFromPvh } from '../../src/linux-bootparams/index.js';
import { checkMb1Handoff, checkMb2Handoff, decodeMb1Handoff, readMb2Info } from '../../src/multiboot/index.js';
import { checkPvhHandoff, decodeHandoff } from '../../src/pvh/index.js';
import { memoryRegions, parseMbDump } from '../multiboot/dump.js';
import { parsePvhDump } from '../tools/pvh-guest/dump.js';

const text = (p: string): string => readText(`test/fixtures/${p}`);

const pvh = parsePvhDump(text('pvh/qemu-pc-128M.serial.txt'));
const mb1 = parseMbDump(text('multiboot/grub-mb1-128M.serial.txt'));
const mb2 = parseMbDump(text('multiboot/grub-efi-mb2-256M.serial.txt'), 'BOOTPROTO-MB2-DUMP v1');

/** Flips: [region index, byte index, new value], applied to copies. */
const flips = fc.array(fc.tuple(fc.nat(), fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 24 });

function mutate(regions: readonly MemoryRegion[], edits: readonly [number, number, number][]): MemoryRegion[] {
  const out = regions.map((r) => ({ paddr: r.paddr, bytes: r.bytes.slice() }));
  for (const [ri, bi, v] of edits) {
    const r = out[ri % out.length];
    if (r !== undefined && r.bytes.length > 0) r.bytes[bi % r.bytes.length] = v;
  }
  return out;
}

/** Runs `decode`; a BootprotoError means "nothing to bridge", anything else fails the test. */
function decodeOrUndefined<T>(decode: () => T): T | undefined {
  try {
    return decode();
  } catch (e) {
    if (e instanceof BootprotoError) return undefined;
    throw e;
  }
}

describe('mutated handoffs', () => {
  it('PVH: checkPvhHandoff never throws, bootParamsFromPvh never throws', () => {
    fc.assert(
      fc.property(flips, (edits) => {
        const memory = createPhysicalMemory(mutate(pvh.regions, edits));
        const problems = checkPvhHandoff(memory, pvh.ebx, { linux: true });
        for (const p of problems) expect(p.rule).toBeTruthy();
        const h = decodeOrUndefined(() => decodeHandoff(memory, pvh.ebx));
        if (h !== undefined) bootParamsFromPvh(h, { e820ExtPaddr: 0x100000n });
      }),
      { numRuns: 300 },
    );
  });

  it('Multiboot 1: checkMb1Handoff never throws, bootParamsFromMb1 never throws', () => {
    fc.assert(
      fc.property(flips, (edits) => {
        const memory = createPhysicalMemory(mutate(memoryRegions(mb1), edits));
        for (const p of checkMb1Handoff(memory, mb1.ebx, { eax: mb1.eax })) expect(p.rule).toBeTruthy();
        const h = decodeOrUndefined(() => decodeMb1Handoff(memory, mb1.ebx));
        if (h !== undefined) bootParamsFromMb1(h, { e820ExtPaddr: 0x100000n });
      }),
      { numRuns: 300 },
    );
  });

  it('Multiboot 2: checkMb2Handoff never throws, bootParamsFromMb2 never throws', () => {
    fc.assert(
      fc.property(flips, (edits) => {
        const memory = createPhysicalMemory(mutate(memoryRegions(mb2), edits));
        for (const p of checkMb2Handoff(memory, mb2.ebx, { eax: mb2.eax })) expect(p.rule).toBeTruthy();
        const info = decodeOrUndefined(() => readMb2Info(memory, mb2.ebx));
        if (info !== undefined) bootParamsFromMb2(info, BigInt(mb2.ebx), { e820ExtPaddr: 0x100000n });
      }),
      { numRuns: 300 },
    );
  });
});

/**
 * Property tests (fast-check, seeded): builders and decoders agree on random
 * descriptions, decode → encode is byte-exact, and no input, random or a
 * mutated real fixture (QEMU's Multiboot 1, GRUB's Multiboot 2, Xen-like
 * headers), makes a decoder throw anything but BootprotoError or a validator
 * throw at all. Change the seed with BOOTPROTO_FC_SEED=<n>.
 */
import { readBytes, readText, testEnv } from '../helpers/files.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BootprotoError, createPhysicalMemory } from '../../src/core/index.js';
import {
  Mb2TagCursor,
  buildMb1Info,
  buildMb2Info,
  decodeMb1Handoff,
  decodeMb1Header,
  decodeMb2Header,
  decodeMb2Info,
  encodeMb2Info,
  findMb1Header,
  findMb2Header,
  mb2TagsFromSpec,
  readMb2Info,
  validateMb1Handoff,
  validateMb1Header,
  validateMb2Header,
  validateMb2InfoBytes,
  type Mb1InfoSpec,
  type Mb2InfoSpec,
} from '../../src/multiboot/index.js';
import { memoryRegions, parseMbDump, regionOf } from './dump.js';

const SEED = Number(testEnv('BOOTPROTO_FC_SEED') ?? 0x6d62b007);
const params = (numRuns: number): fc.Parameters<unknown> => ({ seed: SEED, numRuns });
const fixture = (name: string): Uint8Array => readBytes(`test/fixtures/multiboot/${name}`);
const text = (name: string): string => readText(`test/fixtures/multiboot/${name}`);

const mb1Dump = parseMbDump(text('qemu-mb1-elf-128M.serial.txt'));
const mb2Dump = parseMbDump(text('grub-mb2-128M.serial.txt'), 'BOOTPROTO-MB2-DUMP v1');
const grubInfo = regionOf(mb2Dump, 'info').bytes;

/** Only BootprotoError may escape. */
function onlyBootproto(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof BootprotoError)) throw e;
  }
}

const str = fc.string({ maxLength: 40 });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const mmap = fc.array(fc.record({ addr: fc.bigInt({ min: 0n, max: (1n << 48n) - 1n }), len: fc.bigInt({ min: 0n, max: 1n << 40n }), type: fc.integer({ min: 1, max: 5 }) }), { maxLength: 8 });

describe('builders and decoders agree', () => {
  it('Multiboot 2: random descriptions build, decode to the same tags and re-encode byte for byte', () => {
    const spec = fc.record(
      {
        cmdline: str,
        bootLoaderName: str,
        modules: fc.array(fc.record({ start: fc.integer({ min: 0x100000, max: 0xf0000000 }), end: fc.integer({ min: 0x100000, max: 0xffffffff }), string: str }), { maxLength: 4 }),
        basicMeminfo: fc.record({ memLower: u32, memUpper: u32 }),
        mmap,
        efi64: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
        acpiNew: fc.uint8Array({ maxLength: 36 }),
        network: fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 2 }),
        loadBaseAddr: u32,
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(spec, (s: Mb2InfoSpec) => {
        const memory = createPhysicalMemory([], { growable: true });
        const built = buildMb2Info(memory, s, 0x8000);
        const info = readMb2Info(memory, built.infoPaddr);
        expect(info.tags).toEqual(mb2TagsFromSpec(s).map((t) => ({ ...t, size: expect.any(Number) as number })));
        const bytes = memory.read(built.infoPaddr, built.totalSize);
        expect(encodeMb2Info(decodeMb2Info(bytes))).toEqual(bytes);
      }),
      params(200),
    );
  });

  it('Multiboot 1: random descriptions build and decode back', () => {
    const spec = fc.record(
      {
        memory: fc.record({ lower: fc.integer({ min: 0, max: 640 }), upper: u32 }),
        cmdline: str,
        bootLoaderName: str,
        modules: fc.array(fc.record({ start: fc.integer({ min: 0x100000, max: 0x1000000 }), end: fc.integer({ min: 0x100000, max: 0x1000000 }), string: str }), { maxLength: 4 }),
        mmap: mmap.map((m) => m.map((e) => ({ ...e }))),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(spec, (s: Mb1InfoSpec) => {
        const memory = createPhysicalMemory([], { growable: true });
        const built = buildMb1Info(memory, s, { info: 0x9000, data: 0x20000 });
        const h = decodeMb1Handoff(memory, built.infoPaddr);
        expect(h.cmdline).toBe(s.cmdline);
        expect(h.bootLoaderName).toBe(s.bootLoaderName);
        expect(h.memory).toEqual(s.memory);
        expect(h.modules?.map((m) => [m.modStart, m.modEnd, m.string])).toEqual(s.modules?.map((m) => [m.start, m.end, m.string]));
        expect(h.mmap?.map((e) => [e.addr, e.len, e.type])).toEqual(s.mmap?.map((e) => [e.addr, e.len, e.type]));
        validateMb1Handoff(memory, built.infoPaddr);
      }),
      params(200),
    );
  });
});

/** Flips, overwrites and truncates bytes of `base`. */
const mutant = (base: Uint8Array): fc.Arbitrary<Uint8Array> =>
  fc
    .tuple(
      fc.array(fc.tuple(fc.nat({ max: base.length - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
      fc.option(fc.nat({ max: base.length }), { nil: undefined }),
      fc.boolean(),
    )
    .map(([edits, cut, sizey]) => {
      const b = base.slice();
      for (const [i, v] of edits) b[i] = v;
      if (sizey) {
        // Aim at size fields: the bytes at 4-byte boundaries 4..7 of a tag head.
        const [i, v] = edits[0] ?? [0, 0];
        const o = (i & ~7) + 4;
        if (o + 4 <= b.length) new DataView(b.buffer).setUint32(o, v * 97, true);
      }
      return cut === undefined ? b : b.subarray(0, cut);
    });

describe('mutation pass: only BootprotoError escapes decoders; validators never throw', () => {
  it('GRUB Multiboot 2 information', () => {
    fc.assert(
      fc.property(mutant(grubInfo), (b) => {
        onlyBootproto(() => decodeMb2Info(b));
        onlyBootproto(() => {
          const c = new Mb2TagCursor(b);
          let n = 0;
          while (c.next()) {
            n++;
            if (c.type === 6) onlyBootproto(() => c.mmap().decodeAll());
          }
          expect(n).toBeLessThanOrEqual(b.length / 8);
        });
        validateMb2InfoBytes(b);
        validateMb2InfoBytes(b, 0, { paddr: 0x1000n, moduleAlign: true });
      }),
      params(1500),
    );
  });

  it('QEMU Multiboot 1 information and everything it points to', () => {
    const regions = memoryRegions(mb1Dump);
    fc.assert(
      fc.property(fc.nat({ max: regions.length - 1 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }), (which, edits) => {
        const copy = regions.map((r) => ({ paddr: r.paddr, bytes: r.bytes.slice() }));
        const target = copy[which];
        if (target === undefined) return;
        for (const [i, v] of edits) target.bytes[i % target.bytes.length] = v;
        const memory = createPhysicalMemory(copy);
        onlyBootproto(() => decodeMb1Handoff(memory, mb1Dump.ebx));
        validateMb1Handoff(memory, mb1Dump.ebx, { pageAlign: true });
      }),
      params(1500),
    );
  });

  it('random bytes as information, at random addresses', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 600 }), fc.nat({ max: 700 }), (b, at) => {
        const memory = createPhysicalMemory([{ paddr: 0n, bytes: b }]);
        onlyBootproto(() => decodeMb1Handoff(memory, at));
        validateMb1Handoff(memory, at);
        onlyBootproto(() => decodeMb2Info(b, at));
        validateMb2InfoBytes(b, at);
      }),
      params(1000),
    );
  });

  it('kernel images: mutated headers of our kernels, and random images', () => {
    const images = [fixture('mb1-guest.elf'), fixture('mb1-guest-aout.bin'), fixture('mb2-guest.elf')];
    const arb = fc.oneof(...images.map((img) => mutant(img.subarray(0, 8192))), fc.uint8Array({ maxLength: 2048 }));
    fc.assert(
      fc.property(arb, fc.nat({ max: 64 }), (img, at) => {
        onlyBootproto(() => findMb1Header(img));
        onlyBootproto(() => findMb2Header(img));
        onlyBootproto(() => decodeMb1Header(img, at * 4));
        onlyBootproto(() => decodeMb2Header(img, at * 8));
        validateMb1Header(img);
        validateMb2Header(img);
      }),
      params(1500),
    );
  });
});

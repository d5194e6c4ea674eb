/**
 * The mutation pass: real and hand-made inputs, mutated and truncated; only
 * BootprotoError may escape a decoder, and validators never throw.
 */
import { readBytes } from '../helpers/files.js';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { BootprotoError, createPhysicalMemory } from '../../src/core/index.js';
import {
  buildZeroPage,
  checkLoaderResult,
  decodeKernelInfo,
  decodeSetupHeader,
  decodeSetupPayload,
  inspectBzImage,
  validateSetupHeader,
  walkSetupData,
} from '../../src/linux-bootparams/index.js';

const file = (name: string): Uint8Array => readBytes(`test/fixtures/linux-bootparams/${name}`);
const head = file('vmlinuz-head.bin').subarray(0, 0x1000);
const guest = file('qemu-guest.bzImage');
const ki = file('kernel-info.bin');

function onlyBootprotoError(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof BootprotoError)) throw e;
  }
}

const mutations = (max: number) => fc.array(fc.tuple(fc.nat(max - 1), fc.nat(255)), { maxLength: 24 });
// Mutate the header region mostly: that is where the decoders look.
const headerMutations = fc.array(fc.tuple(fc.integer({ min: 0x1f0, max: 0x270 }), fc.nat(255)), { maxLength: 12 });

it('image decoders and validators survive mutated and truncated kernels', () => {
  for (const base of [head, guest]) {
    fc.assert(
      fc.property(mutations(base.length), headerMutations, fc.nat(base.length), (m1, m2, cut) => {
        const b = base.slice();
        for (const [i, v] of [...m1, ...m2]) if (i < b.length) b[i] = v;
        const t = b.subarray(0, cut);
        onlyBootprotoError(() => decodeSetupHeader(t));
        onlyBootprotoError(() => inspectBzImage(t));
        onlyBootprotoError(() => buildZeroPage({ image: t, cmdline: 'x', cmdlinePaddr: 0x20000n, initrd: { paddr: 0x800000n, size: 0x1000n } }));
        expect(() => validateSetupHeader(t)).not.toThrow();
        expect(() => checkLoaderResult(base, t)).not.toThrow();
        expect(() => checkLoaderResult(t, base)).not.toThrow();
      }),
      { numRuns: 300 },
    );
  }
});

it('kernel_info and setup_data payloads survive mutation', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat(12), (tail, type) => {
      const b = new Uint8Array(ki.length + tail.length);
      b.set(ki);
      b.set(tail, ki.length);
      new DataView(b.buffer).setUint32(8, b.length - (tail[0] ?? 0) % 8, true);
      onlyBootprotoError(() => decodeKernelInfo(b));
      onlyBootprotoError(() => decodeSetupPayload(type, tail));
    }),
    { numRuns: 500 },
  );
});

it('setup_data walks over random memory end (no hang, no foreign exception)', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 256, maxLength: 256 }), fc.nat(255), (bytes, start) => {
      // Make most "next" pointers land inside the region, to exercise chains and loops.
      for (let o = 0; o + 8 <= bytes.length; o += 16) if ((bytes[o + 1] as number) < 200) bytes.fill(0, o + 1, o + 8);
      for (let o = 0; o + 16 <= bytes.length; o += 16) bytes[o + 13] = bytes[o + 14] = bytes[o + 15] = 0;
      const memory = createPhysicalMemory([{ paddr: 0n, bytes }]);
      onlyBootprotoError(() => walkSetupData(memory, BigInt(start)));
    }),
    { numRuns: 1000 },
  );
});

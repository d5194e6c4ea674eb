/**
 * Every linked or stepped walk is bounded: a cycle in a linked list, a
 * zero-sized step or a size that points backwards ends in BootprotoError (or
 * a problem), never a hang. Each case takes a real input, plants the loop,
 * and checks the walk's answer directly and through its fuzz target.
 */
import { describe, expect, it } from 'vitest';
import { BootprotoError, createPhysicalMemory } from '../../src/core/index.js';
import { fdtBlob } from '../../src/cli/fdt.js';
import { toJson } from '../../src/core/index.js';
import { decodeFdt, dts, encodeFdt, fdtOutlineLines, openFdt, toDts, validateFdt } from '../../src/fdt/index.js';
import { validateZeroPageInMemory, walkSetupData } from '../../src/linux-bootparams/index.js';
import { decodeMb1Mmap, decodeMb2Info, mb2TagCursor, validateMb2InfoBytes } from '../../src/multiboot/index.js';
import { dataDirectory, decodeBaseRelocations, decodePeImage, rvaToOffset, validatePeImage } from '../../src/pecoff/index.js';
import { checkOne } from './harness.js';
import { fixture, linuxDumps, makeContainer, mb1Dumps, mb2Dumps } from './seeds.js';
import { targetByName } from './targets.js';

const holds = (name: string, input: Uint8Array): void => expect(checkOne(targetByName(name), input, { seed: 0, maxMs: 2000 })).toBeUndefined();

describe('bounded walks', () => {
  const dump = linuxDumps()[0]!;
  const node = dump.regions.find((r) => r.label === 'setup_data0')!;

  for (const [what, next] of [
    ['points at itself', node.paddr],
    ['points into its own header', node.paddr + 4n],
  ] as const) {
    it(`setup_data: a node whose next ${what}`, () => {
      const bytes = node.bytes.slice();
      new DataView(bytes.buffer).setBigUint64(0, next, true);
      const regions = dump.regions.map((r) => (r === node ? { ...r, bytes } : r));
      const memory = createPhysicalMemory(regions.map((r) => ({ paddr: r.paddr, bytes: r.bytes.slice() })));
      expect(() => walkSetupData(memory, node.paddr)).toThrow(BootprotoError);
      expect(() => validateZeroPageInMemory(memory, dump.root)).not.toThrow();
      holds('linux-bootparams/zeroPageInMemory', makeContainer(dump.root, regions));
    });
  }

  const info = mb2Dumps()[0]!.regions.find((r) => r.label === 'info')!.bytes;
  for (const size of [0, 4, 7]) {
    it(`Multiboot 2: a tag of size ${size} (a step that does not move past the tag header)`, () => {
      const bytes = info.slice();
      new DataView(bytes.buffer).setUint32(12, size, true);
      expect(() => decodeMb2Info(bytes)).toThrow(BootprotoError);
      expect(validateMb2InfoBytes(bytes).length).toBeGreaterThan(0);
      const cursor = mb2TagCursor(bytes);
      expect(() => {
        for (let n = 0; cursor.next(); n++) if (n > bytes.length) throw new Error('no end');
      }).toThrow(BootprotoError);
      holds('multiboot/mb2Info', bytes);
    });
  }

  const mmap = mb1Dumps()[0]!.regions.find((r) => r.label === 'mmap')!.bytes;
  for (const size of [0, 0xfffffffc]) {
    it(`Multiboot 1: an mmap entry whose size is 0x${size.toString(16)}`, () => {
      const bytes = mmap.slice();
      new DataView(bytes.buffer).setUint32(0, size, true);
      let outcome: unknown;
      try {
        outcome = decodeMb1Mmap(bytes);
      } catch (e) {
        outcome = e;
      }
      expect(Array.isArray(outcome) || outcome instanceof BootprotoError).toBe(true);
      holds('multiboot/mb1Info', bytes);
    });
  }

  it('PE: a base relocation block of SizeOfBlock 0', () => {
    const bytes = fixture('pecoff/app64.efi');
    const image = decodePeImage(bytes);
    const reloc = dataDirectory(image, 5);
    const at = reloc && reloc.size > 0 ? rvaToOffset(image, reloc.virtualAddress) : undefined;
    expect(at, 'app64.efi has a .reloc directory').toBeDefined();
    new DataView(bytes.buffer).setUint32((at as number) + 4, 0, true);
    expect(() => decodeBaseRelocations(decodePeImage(bytes))).toThrow(BootprotoError);
    expect(() => validatePeImage(bytes)).not.toThrow();
    holds('pecoff/directories', bytes);
  });

  /** A blob of `depth` nested nodes (the root, then nodes named `a`). */
  function nested(depth: number): Uint8Array {
    const words: number[] = [1, 0];
    for (let i = 1; i < depth; i++) words.push(1, 0x61000000);
    for (let i = 0; i < depth; i++) words.push(2);
    words.push(9);
    const total = 40 + 16 + words.length * 4;
    const out = new Uint8Array(total);
    const dv = new DataView(out.buffer);
    for (const [at, v] of [[0, 0xd00dfeed], [4, total], [8, 56], [12, total], [16, 40], [20, 17], [24, 16], [36, words.length * 4]] as const) dv.setUint32(at, v);
    words.forEach((w, i) => dv.setUint32(56 + i * 4, w));
    return out;
  }

  for (const depth of [1000, 1024, 1025, 8000]) {
    it(`FDT: ${depth} nested nodes — the recursive walks stay inside the stack, deeper is LIMIT`, () => {
      const blob = nested(depth);
      const calls: (() => unknown)[] = [
        () => decodeFdt(blob),
        () => dts(blob),
        () => openFdt(blob),
        () => fdtOutlineLines(blob),
        () => toDts(decodeFdt(blob)),
        () => encodeFdt(decodeFdt(blob)),
        () => toJson(decodeFdt(blob)),
      ];
      // The CLI answers too deep a blob with its problems instead of throwing.
      expect(() => toJson(fdtBlob.fromBytes(blob, 0, {}).json)).not.toThrow();
      for (const call of calls) {
        try {
          call();
          expect(depth).toBeLessThanOrEqual(1024);
        } catch (e) {
          expect(e).toBeInstanceOf(BootprotoError);
          expect((e as BootprotoError).code).toBe('LIMIT');
        }
      }
      expect(() => validateFdt(blob)).not.toThrow();
      holds('fdt/tree', blob);
      holds('fdt/openFdt', blob);
    });
  }
});


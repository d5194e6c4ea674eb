/**
 * Structure-aware fuzzing with fast-check (seeded): valid structures are
 * generated through the modules' own encoders and builders (FDT trees, EFI
 * memory maps, Multiboot 2 information, PVH start_info), then damaged by a
 * few generated edits (a byte, a 32-bit field set to a boundary value in
 * either byte order, a cut), and run through the same targets and
 * invariants as the mutation fuzzer. Change the seed with BOOTPROTO_FC_SEED=<n>.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createPhysicalMemory } from '../../src/core/index.js';
import { encodeMemoryMap, type EfiMemoryDescriptor } from '../../src/efi-memmap/index.js';
import { addNode, createFdtTree, encodeFdt, setProperty, type FdtNode } from '../../src/fdt/index.js';
import { buildMb2Info } from '../../src/multiboot/index.js';
import { encodeStartInfo, XEN_HVM_START_MAGIC_VALUE } from '../../src/pvh/index.js';
import { testEnv } from '../helpers/files.js';
import { checkOne } from './harness.js';
import { withMapHeader } from './seeds.js';
import { targetByName } from './targets.js';

const SEED = Number(testEnv('BOOTPROTO_FC_SEED') ?? 0x5eedf022);
const RUNS = 1000;

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const boundary = fc.constantFrom(0, 1, 4, 8, 0x7fffffff, 0x80000000, 0xfffffffc, 0xffffffff);

/** Edits: byte writes, 32-bit boundary values, a cut — positions as fractions of the length. */
const edits: fc.Arbitrary<Edit[]> = fc.array<Edit>(
  fc.oneof(
    fc.record({ kind: fc.constant('byte' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), value: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant('u32' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), value: boundary, le: fc.boolean() }),
    fc.record({ kind: fc.constant('cut' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
  ),
  { maxLength: 3 },
);
type Edit = { kind: 'byte'; at: number; value: number } | { kind: 'u32'; at: number; value: number; le: boolean } | { kind: 'cut'; at: number };

function applyEdits(bytes: Uint8Array, list: readonly Edit[]): Uint8Array {
  let out = bytes.slice();
  for (const e of list) {
    const at = Math.floor(e.at * out.length);
    if (e.kind === 'cut') out = out.slice(0, at);
    else if (e.kind === 'byte') {
      if (at < out.length) out[at] = e.value;
    } else {
      const aligned = at & ~3;
      if (aligned + 4 <= out.length) new DataView(out.buffer).setUint32(aligned, e.value, e.le);
    }
  }
  return out;
}

function holds(targetName: string, input: Uint8Array): void {
  expect(checkOne(targetByName(targetName), input, { seed: 0, maxMs: 2000 })).toBeUndefined();
}

const name = fc.stringMatching(/^[a-z][a-z0-9,._+-]{0,8}(@[0-9a-f]{1,4})?$/);
const propName = fc.stringMatching(/^[a-z#][a-z0-9,._+#-]{0,10}$/);
const value = fc.oneof(fc.uint8Array({ maxLength: 16 }), fc.array(u32, { maxLength: 4 }).map((c) => {
  const b = new Uint8Array(c.length * 4);
  c.forEach((v, i) => new DataView(b.buffer).setUint32(i * 4, v));
  return b;
}));
const fdtSpec = fc.array(fc.record({ parent: fc.nat(), name, props: fc.array(fc.tuple(propName, value), { maxLength: 3 }) }), { maxLength: 12 });

function fdtFrom(spec: readonly { parent: number; name: string; props: [string, Uint8Array][] }[]): Uint8Array {
  const tree = createFdtTree();
  const nodes: FdtNode[] = [tree.root];
  for (const n of spec) {
    const parent = nodes[n.parent % nodes.length] as FdtNode;
    if (parent.children.some((c) => c.name === n.name)) continue;
    const node = addNode(parent, n.name);
    for (const [p, v] of n.props) setProperty(node, p, v);
    nodes.push(node);
  }
  return encodeFdt(tree);
}

const descriptor = fc.record({
  type: fc.oneof(fc.integer({ min: 0, max: 16 }), u32),
  pad: fc.constant(0),
  physicalStart: fc.bigInt({ min: 0n, max: 1n << 40n }).map((x) => x & ~0xfffn),
  virtualStart: fc.constant(0n),
  numberOfPages: fc.oneof(fc.bigInt({ min: 0n, max: 1n << 20n }), u64),
  attribute: fc.oneof(fc.constant(0xfn), u64),
});

describe('structure-aware fuzzing (fast-check, seeded)', () => {
  it('FDT trees encoded, then damaged: fdt/blob, fdt/tree, fdt/openFdt hold', () => {
    fc.assert(
      fc.property(fdtSpec, edits, (spec, list) => {
        const input = applyEdits(fdtFrom(spec), list);
        for (const t of ['fdt/blob', 'fdt/tree', 'fdt/openFdt']) holds(t, input);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  }, 60_000);

  it('EFI memory maps encoded, then damaged: efi-memmap/map holds', () => {
    fc.assert(
      fc.property(fc.array(descriptor, { maxLength: 24 }), fc.constantFrom(40, 48, 56), edits, (descriptors, size, list) => {
        const map = encodeMemoryMap({ descriptorSize: size, descriptorVersion: 1, descriptors: descriptors as EfiMemoryDescriptor[] });
        holds('efi-memmap/map', applyEdits(withMapHeader(size, 1, map), list));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  }, 60_000);

  it('Multiboot 2 information built, then damaged: multiboot/mb2Info holds', () => {
    fc.assert(
      fc.property(
        fc.record({
          cmdline: fc.string({ maxLength: 20 }).map((s) => s.replaceAll('\0', '')),
          bootLoaderName: fc.string({ maxLength: 12 }).map((s) => s.replaceAll('\0', '')),
          mmap: fc.array(fc.record({ addr: u64, len: u64, type: u32 }), { maxLength: 6 }),
        }),
        edits,
        (spec, list) => {
          const memory = createPhysicalMemory([], { growable: true });
          const built = buildMb2Info(memory, spec, 0x8000);
          holds('multiboot/mb2Info', applyEdits(memory.read(built.infoPaddr, built.totalSize).slice(), list));
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  }, 60_000);

  it('PVH start_info encoded, then damaged: pvh/startInfo holds', () => {
    fc.assert(
      fc.property(
        fc.record({ version: fc.integer({ min: 0, max: 3 }), flags: u32, nrModules: u32, modlistPaddr: u64, cmdlinePaddr: u64, rsdpPaddr: u64, memmapPaddr: u64, memmapEntries: u32, reserved: u32 }),
        edits,
        (info, list) => {
          const bytes = encodeStartInfo({ magic: XEN_HVM_START_MAGIC_VALUE, ...info });
          holds('pvh/startInfo', applyEdits(bytes, list));
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  }, 60_000);
});

/**
 * Hand-assembled and corrupted blobs: each of fdt_check_full()'s checks gives
 * a BootprotoError / an error Problem with its offset; each oddity libfdt
 * tolerates gives a warning only. Then a seeded mutation pass: whatever the
 * bytes, only BootprotoError escapes the decoders, and the validator never throws.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BootprotoError } from '../../src/core/index.js';
import {
  FDT_BEGIN_NODE,
  FDT_END,
  FDT_END_NODE,
  FDT_NOP,
  FDT_PROP,
  FdtWriter,
  addNode,
  applyOverlayBlob,
  cellsValue,
  validateOverlay,
  createFdtTree,
  decodeFdt,
  dts,
  encodeFdt,
  fdtCheckFull,
  fdtCursor,
  openFdt,
  setProperty,
  stringValue,
  validateFdt,
  type FdtNode,
  type FdtTree,
} from '../../src/fdt/index.js';
import { fixture } from './fixtures.js';

import { CORRUPT_CASES, TOLERATED_CASES, assemble, good } from './assemble.js';

const B = FDT_BEGIN_NODE;
const E = FDT_END_NODE;
const P = FDT_PROP;
const N = FDT_NOP;
const END = FDT_END;
const STR = 'a\0bb\0';

function errors(bytes: Uint8Array) {
  return validateFdt(bytes).filter((p) => p.severity === 'error');
}
function warnings(bytes: Uint8Array) {
  return validateFdt(bytes)
    .filter((p) => p.severity === 'warning')
    .map((p) => p.code);
}

describe('hand-assembled blobs', () => {
  it('a good one opens and validates', () => {
    expect(errors(good)).toEqual([]);
    expect(openFdt(good).getU32(0, 'a')).toBe(1);
    expect(openFdt(good).getProperty(openFdt(good).pathOffset('/child') as number, 'bb')).toEqual(new Uint8Array());
  });

  const cases = CORRUPT_CASES;
  for (const [what, blob, code, offset] of cases) {
    it(`rejects ${what} with its offset`, () => {
      const errs = errors(blob);
      expect(errs).toHaveLength(1);
      expect(errs[0]).toMatchObject({ code, offset });
      expect(fdtCheckFull(blob)).toBe(false);
      expect(() => openFdt(blob)).toThrow(BootprotoError);
    });
  }

  it('rejects a node name that runs past the block', () => {
    const blob = assemble([B, '', B, new Uint8Array([0x61, 0x62, 0x63, 0x64])], '');
    expect(errors(blob)[0]).toMatchObject({ code: 'UNTERMINATED' });
  });

  it('rejects a buffer shorter than totalsize', () => {
    expect(errors(good.subarray(0, good.length - 1))[0]).toMatchObject({ code: 'TRUNCATED', field: 'totalsize', offset: 4 });
    expect(errors(good.subarray(0, 20))[0]).toMatchObject({ code: 'TRUNCATED' });
  });

  it('opens every tolerated case without an error', () => {
    for (const [what, blob] of TOLERATED_CASES) {
      expect(errors(blob), what).toEqual([]);
      expect(fdtCheckFull(blob), what).toBe(true);
    }
  });

  it('tolerates what libfdt tolerates, with warnings', () => {
    const propBeforeRoot = assemble([P, 0, 0, B, '', E, END], STR);
    expect(errors(propBeforeRoot)).toEqual([]);
    expect(warnings(propBeforeRoot)).toContain('FDT_PROPERTY_OUTSIDE_NODE');
    expect(() => decodeFdt(propBeforeRoot)).toThrow(BootprotoError);
    expect(openFdt(propBeforeRoot).nodeCount).toBe(1);

    const nopBeforeRoot = assemble([N, B, '', N, E, END], STR);
    expect(errors(nopBeforeRoot)).toEqual([]);
    expect(decodeFdt(nopBeforeRoot).root.name).toBe('');

    const dupProps = assemble([B, '', P, 0, 0, P, 0, 0, E, END], STR);
    expect(errors(dupProps)).toEqual([]);
    expect(warnings(dupProps)).toContain('FDT_DUPLICATE_PROPERTY');

    const slashName = assemble([B, '', B, 'a/b', E, E, END], STR);
    expect(errors(slashName)).toEqual([]);
    expect(warnings(slashName)).toContain('FDT_NODE_NAME_CHARS');

    const odd = assemble([B, '', P, 4, 0, 1, E, END], STR, { structPad: 1 });
    expect(errors(odd)).toEqual([]);
    expect(warnings(odd)).toContain('FDT_ALIGNMENT');
    expect(openFdt(odd).getU32(0, 'a')).toBe(1);

    const noRoot = assemble([END], STR);
    expect(errors(noRoot)).toEqual([]);
    expect(warnings(noRoot)).toContain('FDT_NO_ROOT');

    const afterSub = assemble([B, '', B, 'x', E, P, 0, 0, E, END], STR);
    expect(warnings(afterSub)).toContain('FDT_PROPERTY_AFTER_SUBNODE');
  });

  it('warns about overlapping blocks, which libfdt accepts', () => {
    const b = good.slice();
    const dv = new DataView(b.buffer);
    dv.setUint32(12, dv.getUint32(8)); // strings block starts where the structure does
    dv.setUint32(32, 4);
    const problems = validateFdt(b);
    expect(problems.some((p) => p.code === 'FDT_BLOCK_OVERLAP')).toBe(true);
  });

  it('flags the specification rules dtc warns about', () => {
    const tree = createFdtTree();
    const a = addNode(tree.root, 'dev@10');
    setProperty(a, 'reg', cellsValue([0, 0x20, 1]));
    const b = addNode(tree.root, 'Bad_Name!');
    setProperty(b, 'phandle', cellsValue([5]));
    const c = addNode(tree.root, 'other');
    setProperty(c, 'phandle', cellsValue([5]));
    setProperty(c, 'status', new Uint8Array([0x6f, 0x6b]));
    const blob = encodeFdt(tree);
    const w = warnings(blob);
    for (const code of ['FDT_DEFAULT_CELLS', 'FDT_NODE_NAME_CHARS', 'FDT_DUPLICATE_PHANDLE', 'FDT_NOT_STRING', 'FDT_UNIT_ADDRESS_VS_REG']) {
      expect(w, code).toContain(code);
    }
    expect(errors(blob)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------
// Property tests

const SEED = 0x0fd7;
const nameArb = fc.stringMatching(/^[a-z][a-z0-9,._+-]{0,12}$/);
const propArb = fc.record({
  name: fc.stringMatching(/^[a-z#][a-z0-9,._+?#-]{0,14}$/),
  value: fc.uint8Array({ maxLength: 24 }),
});
const nodeArb: fc.Memo<FdtNode> = fc.memo((n) =>
  fc.record({
    name: nameArb,
    properties: fc.uniqueArray(propArb, { maxLength: 5, selector: (p) => p.name }),
    children: n > 1 ? fc.uniqueArray(nodeArb(n - 1), { maxLength: 3, selector: (c) => c.name }) : fc.constant([]),
  }),
);
const treeArb: fc.Arbitrary<FdtTree> = fc.record({
  version: fc.constant(17),
  lastCompVersion: fc.constant(16),
  bootCpuidPhys: fc.integer({ min: 0, max: 0xffffffff }),
  reservations: fc.array(fc.record({ address: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), size: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).filter((s) => s > 0n) }), { maxLength: 3 }),
  root: nodeArb(4).map((r) => ({ ...r, name: '' })),
});

describe('property tests', () => {
  it('encode → decode gives the tree back, and encode is stable', () => {
    fc.assert(
      fc.property(treeArb, (tree) => {
        const blob = encodeFdt(tree);
        const back = decodeFdt(blob);
        expect(back).toEqual(tree);
        expect(encodeFdt(back)).toEqual(blob);
        expect(errors(blob)).toEqual([]);
        expect(typeof dts(blob)).toBe('string');
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('FdtWriter writes what encodeFdt writes', () => {
    fc.assert(
      fc.property(treeArb, (tree) => {
        const w = new FdtWriter();
        w.bootCpuidPhys = tree.bootCpuidPhys;
        for (const r of tree.reservations) w.addReservation(r.address, r.size);
        const put = (n: FdtNode): void => {
          w.beginNode(n.name);
          for (const p of n.properties) w.property(p.name, p.value);
          n.children.forEach(put);
          w.endNode();
        };
        put(tree.root);
        expect(w.finish()).toEqual(encodeFdt(tree));
      }),
      { seed: SEED, numRuns: 100 },
    );
    const w = new FdtWriter();
    expect(() => w.property('x', new Uint8Array())).toThrow(BootprotoError);
    expect(() => w.beginNode('named-root')).toThrow(BootprotoError);
    w.beginNode('');
    expect(() => w.finish()).toThrow(/still open/);
    w.endNode();
    expect(() => w.beginNode('')).toThrow(/second root/);
    expect(() => w.endNode()).toThrow(BootprotoError);
    expect(openFdt(w.finish()).nodeCount).toBe(1);
  });

  it('the cursor sees what the tree holds', () => {
    fc.assert(
      fc.property(treeArb, (tree) => {
        const blob = encodeFdt(tree);
        let nodes = 0;
        let props = 0;
        const count = (n: FdtNode): number => 1 + n.children.reduce((a, c) => a + count(c), 0);
        const countP = (n: FdtNode): number => n.properties.length + n.children.reduce((a, c) => a + countP(c), 0);
        const c = fdtCursor(blob);
        for (let t = c.next(); t !== FDT_END; t = c.next()) {
          if (t === FDT_BEGIN_NODE) nodes++;
          else if (t === FDT_PROP) props++;
        }
        expect(nodes).toBe(count(tree.root));
        expect(props).toBe(countP(tree.root));
        expect(openFdt(blob).nodeCount).toBe(nodes);
      }),
      { seed: SEED, numRuns: 100 },
    );
  });
});

describe('mutation pass', () => {
  const seeds = [fixture('features.dtb'), fixture('features-v2.dtb'), good, fixture('overlay.dtb'), fixture('overlay2.dtb')];
  const overlayBase = fixture('overlay-base.dtb');
  function exercise(bytes: Uint8Array): void {
    const problems = validateFdt(bytes);
    expect(Array.isArray(problems)).toBe(true);
    expect(Array.isArray(validateOverlay(bytes, overlayBase))).toBe(true);
    for (const fn of [
      () => applyOverlayBlob(overlayBase, bytes),
      () => decodeFdt(bytes),
      () => dts(bytes),
      () => {
        const f = openFdt(bytes);
        for (const n of f.nodes()) {
          f.nodePath(n);
          f.properties(n);
          try {
            f.reg(n);
            f.ranges(n);
          } catch (e) {
            if (!(e instanceof BootprotoError)) throw e;
          }
        }
        f.pathOffset('serial0');
        f.pathOffset('/soc/uart');
        f.nodeByPhandle(1);
        try {
          f.chosen();
          f.memory();
        } catch (e) {
          if (!(e instanceof BootprotoError)) throw e;
        }
      },
    ]) {
      try {
        fn();
      } catch (e) {
        if (!(e instanceof BootprotoError)) throw e;
      }
    }
  }

  it('only BootprotoError escapes, whatever bytes change', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: seeds.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
        fc.option(fc.nat(), { nil: undefined }),
        (which, flips, cut) => {
          const b = (seeds[which] as Uint8Array).slice();
          for (const [at, v] of flips) b[at % b.length] = v;
          exercise(cut === undefined ? b : b.subarray(0, cut % (b.length + 1)));
        },
      ),
      { seed: SEED, numRuns: 600 },
    );
  });

  it('header words set to extreme values never crash', () => {
    for (let word = 0; word < 10; word++) {
      for (const v of [0, 1, 3, 0x7fffffff, 0x80000000, 0xffffffff]) {
        const b = fixture('features.dtb');
        new DataView(b.buffer).setUint32(word * 4, v);
        exercise(b);
      }
    }
  });
});

describe('names that are not UTF-8', () => {
  it('come back byte for byte', () => {
    const blob = assemble([B, '', P, 4, 0, 1, B, new Uint8Array([0x6e, 0xff, 0x31]), P, 0, 2, E, E, END], 'a\0b\xffb\0');
    // 'b\xffb' is written by TextEncoder as UTF-8 (c3 bf): patch the raw byte in.
    const raw = blob.slice();
    const strings = new DataView(raw.buffer).getUint32(12);
    raw.set([0x61, 0, 0x62, 0xff, 0x62, 0], strings);
    const fixed = new Uint8Array(raw.subarray(0, strings + 6));
    const dv = new DataView(fixed.buffer);
    dv.setUint32(4, fixed.length);
    dv.setUint32(32, 6);
    expect(errors(fixed)).toEqual([]);
    const tree = decodeFdt(fixed);
    expect(tree.root.children[0]?.nameBytes).toEqual(new Uint8Array([0x6e, 0xff, 0x31]));
    expect(tree.root.children[0]?.properties[0]?.nameBytes).toEqual(new Uint8Array([0x62, 0xff, 0x62]));
    expect(encodeFdt(tree)).toEqual(fixed);
  });

  it('any blob that decodes encodes to a fixed point', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), (flips) => {
        const b = fixture('features.dtb');
        for (const [at, v] of flips) b[at % b.length] = v;
        let tree;
        try {
          tree = decodeFdt(b);
        } catch (e) {
          if (e instanceof BootprotoError) return;
          throw e;
        }
        const once = encodeFdt(tree);
        expect(encodeFdt(decodeFdt(once))).toEqual(once);
        expect(decodeFdt(once)).toEqual({ ...tree, version: 17, lastCompVersion: 16 });
      }),
      { seed: SEED, numRuns: 400 },
    );
  });
});

describe('strings', () => {
  it('keeps names that are not UTF-8 readable', () => {
    const tree = createFdtTree();
    setProperty(tree.root, 'compatible', stringValue('x'));
    expect(openFdt(encodeFdt(tree)).getString(0, 'compatible')).toBe('x');
  });
});

/**
 * The refusals the other fdt tests do not reach: each libfdt error an
 * overlay application ends with (error name, field, reason), the problems
 * validateOverlay lists, what encodeFdt, FdtWriter and the tree editors
 * refuse, and the value helpers' range checks. Inputs are the committed
 * dtc/fdtoverlay fixtures, decoded and changed at a named property.
 */
import { describe, expect, it } from 'vitest';
import {
  FdtWriter,
  addNode,
  applyOverlay,
  cellsValue,
  createFdtTree,
  decodeFdt,
  decodeFdtHeader,
  deleteNode,
  encodeFdt,
  findNode,
  getProperty,
  numberCells,
  readNumber,
  readString,
  setProperty,
  stringValue,
  u64Value,
  validateOverlay,
  type FdtNode,
  type FdtTree,
} from '../../src/fdt/index.js';
import { fixture } from './fixtures.js';

const base = decodeFdt(fixture('overlay-base.dtb'));
const ov1 = decodeFdt(fixture('overlay.dtb'));
const ov2 = decodeFdt(fixture('overlay2.dtb'));

/** What `toThrow` should meet: a BootprotoError with these fields. */
const refusal = (fields: Record<string, unknown>): unknown => expect.objectContaining({ name: 'BootprotoError', ...fields });

/** A copy of `tree` with `edit` applied to the node at `path`. */
function edited(tree: FdtTree, path: string, edit: (n: FdtNode) => void): FdtTree {
  const copy = structuredClone(tree);
  const node = findNode(copy, path);
  if (node === undefined) throw new Error(`no ${path}`);
  edit(node);
  return copy;
}

const text = (v: Uint8Array | undefined): string | undefined => (v === undefined ? undefined : readString(v));

/** A chain of `depth` nodes named `name` below `top` (built without recursion). */
function nest(top: FdtNode, name: string, depth: number): void {
  let n = top;
  for (let i = 0; i < depth; i++) {
    const c: FdtNode = { name, properties: [], children: [] };
    n.children.push(c);
    n = c;
  }
}

describe('applyOverlay: the errors libfdt ends with', () => {
  const cases: [string, () => unknown, { code: string; field: string; reason: string }][] = [
    [
      'a negative fixup offset',
      () => applyOverlay(base, edited(ov1, '/__fixups__', (n) => setProperty(n, 'intc', stringValue('/fragment@0/__overlay__/newdev@2200:interrupt-parent:-4')))),
      { code: 'BAD_VALUE', field: '__fixups__', reason: '"/fragment@0/__overlay__/newdev@2200:interrupt-parent:-4" is not path:property:offset (libfdt: FDT_ERR_BADOVERLAY)' },
    ],
    [
      'a __fixups__ value without its NUL',
      () => applyOverlay(base, edited(ov1, '/__fixups__', (n) => setProperty(n, 'intc', new TextEncoder().encode('/fragment@0:target:0')))),
      { code: 'BAD_VALUE', field: '__fixups__', reason: '"intc" is not NUL-terminated (libfdt: FDT_ERR_BADOVERLAY)' },
    ],
    [
      'a symbol naming no node of the base',
      () => applyOverlay(edited(base, '/__symbols__', (n) => setProperty(n, 'intc', stringValue('/gone'))), ov1),
      { code: 'NOT_FOUND', field: '__symbols__', reason: 'symbol "intc" names no node (libfdt: FDT_ERR_NOTFOUND)' },
    ],
    [
      'a symbol naming a node without a phandle',
      () => applyOverlay(edited(base, '/__symbols__', (n) => setProperty(n, 'intc', stringValue('/aliases'))), ov1),
      { code: 'NOT_FOUND', field: '__symbols__', reason: 'symbol "intc" names a node without a phandle (libfdt: FDT_ERR_NOTFOUND)' },
    ],
    [
      'a target phandle no node of the base has',
      () => applyOverlay(base, edited(ov1, '/fragment@1', (n) => (n.properties = [{ name: 'target', value: cellsValue([0x77]) }]))),
      { code: 'NOT_FOUND', field: 'target', reason: '"fragment@1": no node has phandle 119 (libfdt: FDT_ERR_NOTFOUND)' },
    ],
    [
      'a relative target-path that is no alias',
      () => applyOverlay(base, edited(ov2, '/fragment@0', (n) => setProperty(n, 'target-path', stringValue('bus9')))),
      { code: 'BAD_VALUE', field: 'target-path', reason: '"fragment@0": no node at "bus9" (libfdt: FDT_ERR_BADPATH)' },
    ],
    [
      'overlay phandles moved past 0xfffffffe',
      () => applyOverlay(edited(base, '/interrupt-controller@1000', (n) => setProperty(n, 'phandle', cellsValue([0xfffffffe]))), ov1),
      { code: 'BAD_VALUE', field: 'phandle', reason: 'phandle 1 + 4294967294 overflows (libfdt: FDT_ERR_NOPHANDLES)' },
    ],
    [
      'a __local_fixups__ entry that is not whole cells',
      () => applyOverlay(base, edited(ov1, '/__local_fixups__/fragment@0/__overlay__/newdev@2200', (n) => setProperty(n, 'buddy', new Uint8Array(6)))),
      { code: 'BAD_VALUE', field: '__local_fixups__', reason: '"buddy" is not a list of cells (libfdt: FDT_ERR_BADOVERLAY)' },
    ],
    [
      'a symbol that is not an absolute path',
      () => applyOverlay(base, edited(ov1, '/__symbols__', (n) => setProperty(n, 'new', stringValue('fragment@0/__overlay__/newdev@2200')))),
      { code: 'BAD_VALUE', field: '__symbols__', reason: 'symbol "new" is not an absolute path (libfdt: FDT_ERR_BADVALUE)' },
    ],
    [
      'a symbol in a fragment without __overlay__',
      () => applyOverlay(base, edited(ov2, '/__symbols__', (n) => setProperty(n, 'nf', stringValue('/not-a-fragment/__overlay__/x')))),
      { code: 'BAD_VALUE', field: '__symbols__', reason: 'fragment "not-a-fragment" has no __overlay__ (libfdt: FDT_ERR_BADOVERLAY)' },
    ],
    [
      'an __overlay__ nested deeper than 1024',
      () => applyOverlay(base, edited(ov2, '/fragment@2/__overlay__', (n) => nest(n, 'd', 1030))),
      { code: 'BAD_VALUE', field: '__overlay__', reason: 'nesting deeper than 1024 (libfdt: FDT_ERR_BADOVERLAY)' },
    ],
    [
      '__local_fixups__ nested deeper than 1024',
      () => {
        const o = edited(ov1, '/__local_fixups__', (n) => nest(n, 'd', 1030));
        nest(o.root, 'd', 1030); // the overlay nodes the fixups would follow
        return applyOverlay(base, o);
      },
      { code: 'BAD_VALUE', field: '__local_fixups__', reason: 'nesting deeper than 1024 (libfdt: FDT_ERR_BADOVERLAY)' },
    ],
  ];
  for (const [what, fn, expected] of cases) {
    it(what, () => {
      expect(fn).toThrow(refusal({ ...expected, format: 'fdt', structure: 'overlay', offset: 0 }));
    });
  }
});

describe('applyOverlay: what it accepts at the edges', () => {
  it('a fixup offset written "-0" is offset 0, as strtoul reads it', () => {
    const o = edited(ov1, '/__fixups__', (n) => setProperty(n, 'intc', stringValue('/fragment@0/__overlay__/newdev@2200:interrupt-parent:-0')));
    expect(applyOverlay(base, o).root).toEqual(applyOverlay(base, ov1).root);
  });

  it("a base symbol without its NUL still names its node; a target-path without its NUL still resolves", () => {
    const b = edited(base, '/__symbols__', (n) => setProperty(n, 'intc', new TextEncoder().encode('/interrupt-controller@1000')));
    const parent = (t: FdtTree): Uint8Array | undefined => getProperty(findNode(t, '/bus@2000/newdev@2200') as FdtNode, 'interrupt-parent');
    expect(parent(applyOverlay(b, ov1))).toEqual(getProperty(findNode(base, '/interrupt-controller@1000') as FdtNode, 'phandle'));
    const o = edited(ov2, '/fragment@2', (n) => setProperty(n, 'target-path', new TextEncoder().encode('/')));
    const r = applyOverlay(base, o);
    expect(text(getProperty(findNode(r, '/__symbols__') as FdtNode, 'lbl'))).toBe('/top');
  });

  it('a target-path through an alias with a rest (bus0/dev@2100) lands on that node', () => {
    const o = edited(ov2, '/fragment@0', (n) => setProperty(n, 'target-path', stringValue('bus0/dev@2100')));
    const r = applyOverlay(base, o);
    expect(getProperty(findNode(r, '/bus@2000/dev@2100') as FdtNode, 'aliased')).toEqual(cellsValue([1]));
  });

  it('creates /__symbols__ in a base that has none; skips symbols outside every __overlay__; a symbol of an __overlay__ itself names its target', () => {
    const noSymbols = structuredClone(base);
    deleteNode(noSymbols, '/__symbols__');
    // ov2 without __fixups__ (a base without symbols resolves none): fragment@1 aimed at intc's phandle directly.
    const intc = getProperty(findNode(base, '/interrupt-controller@1000') as FdtNode, 'phandle') as Uint8Array;
    const o = edited(ov2, '/fragment@1', (n) => setProperty(n, 'target', intc));
    deleteNode(o, '/__fixups__');
    const ovSymbols = findNode(o, '/__symbols__') as FdtNode;
    setProperty(ovSymbols, 'frag', stringValue('/fragment@1/__overlay__'));
    setProperty(ovSymbols, 'short', stringValue('/fragment@1'));
    setProperty(ovSymbols, 'outside', stringValue('/not-a-fragment/foo'));
    const symbols = findNode(applyOverlay(noSymbols, o), '/__symbols__') as FdtNode;
    expect(Object.fromEntries(symbols.properties.map((p) => [p.name, text(p.value)]))).toEqual({
      frag: '/interrupt-controller@1000/', // with the slash: fdtoverlay 1.6.1 writes the same for this input (fdtput-edited overlay2.dtb)
      lbl: '/top',
      lbl2: '/interrupt-controller@1000/deeper',
    });
  });

  it('a fragment aimed by phandle at a root that has one gives its symbols paths from the root', () => {
    const b = edited(base, '/', (n) => setProperty(n, 'phandle', cellsValue([0x40])));
    const o = edited(ov1, '/fragment@1', (n) => {
      n.properties = [{ name: 'target', value: cellsValue([0x40]) }];
    });
    setProperty(findNode(o, '/__symbols__') as FdtNode, 'ch', stringValue('/fragment@1/__overlay__/chosen'));
    const r = applyOverlay(b, o);
    expect(text(getProperty(findNode(r, '/__symbols__') as FdtNode, 'ch'))).toBe('/chosen');
    expect(text(getProperty(findNode(r, '/chosen') as FdtNode, 'bootargs'))).toBe('from overlay');
  });

  it("keeps the base's header fields and copies its memory reservations (the overlay's are dropped, as fdtoverlay does)", () => {
    const b = structuredClone(base);
    b.reservations = [{ address: 0x8000000n, size: 0x100000n }];
    b.bootCpuidPhys = 3;
    const o = structuredClone(ov1);
    o.reservations = [{ address: 0x9000000n, size: 0x1000n }];
    const r = applyOverlay(b, o);
    expect(r).toMatchObject({ version: 17, lastCompVersion: 16, bootCpuidPhys: 3, reservations: [{ address: 0x8000000n, size: 0x100000n }] });
    expect(r.reservations[0]).not.toBe(b.reservations[0]);
  });

  it('property names compare as bytes: the same non-UTF-8 name is set in place, a different one added', () => {
    const odd = (byte: number, value: number): { name: string; nameBytes: Uint8Array; value: Uint8Array } => ({ name: '\ufffd', nameBytes: new Uint8Array([byte]), value: cellsValue([value]) });
    const b = edited(base, '/bus@2000/dev@2100', (n) => n.properties.push(odd(0xff, 1)));
    const o = edited(ov1, '/fragment@0/__overlay__/dev@2100', (n) => n.properties.push(odd(0xff, 2), odd(0xfe, 3)));
    const dev = findNode(applyOverlay(b, o), '/bus@2000/dev@2100') as FdtNode;
    const oddOnes = dev.properties.filter((p) => p.nameBytes !== undefined).map((p) => [p.nameBytes?.[0], readNumber(p.value, 0, 1)]);
    expect(oddOnes).toEqual([
      [0xfe, 3n],
      [0xff, 2n],
    ]);
  });
});

describe('validateOverlay: the problems it lists', () => {
  it('a target that is not 4 bytes, a phandle that is not 4 bytes, a fixup that is no string list, a local fixup that is no cell list', () => {
    const o = structuredClone(ov1);
    setProperty(findNode(o, '/fragment@0') as FdtNode, 'target', new Uint8Array(8));
    setProperty(findNode(o, '/fragment@0/__overlay__/newdev@2200') as FdtNode, 'phandle', new Uint8Array(2));
    setProperty(findNode(o, '/__fixups__') as FdtNode, 'bus', new Uint8Array([0x2f]));
    setProperty(findNode(o, '/__local_fixups__/fragment@0/__overlay__/newdev@2200') as FdtNode, 'buddy', new Uint8Array(3));
    expect(validateOverlay(encodeFdt(o), fixture('overlay-base.dtb'))).toEqual([
      { severity: 'error', code: 'FDT_OVERLAY', format: 'fdt', structure: 'overlay', field: 'target', offset: 0, message: '"fragment@0": target is 8 bytes, not 4' },
      { severity: 'error', code: 'FDT_OVERLAY', format: 'fdt', structure: 'overlay', field: 'phandle', offset: 0, message: '"newdev@2200": phandle is 2 bytes, not 4' },
      { severity: 'error', code: 'FDT_OVERLAY', format: 'fdt', structure: 'overlay', field: '__fixups__', offset: 0, message: '"bus" is not a list of strings' },
      { severity: 'error', code: 'FDT_OVERLAY', format: 'fdt', structure: 'overlay', field: '__local_fixups__', offset: 0, message: '/fragment@0/__overlay__/newdev@2200: "buddy" is not a list of cells' },
    ]);
  });
});

describe('the tree: what decodeFdt, encodeFdt and the editors refuse', () => {
  it('NOT_FOUND when the structure block ends before a root node (first token set to FDT_END)', () => {
    const blob = fixture('features.dtb');
    const h = decodeFdtHeader(blob);
    new DataView(blob.buffer).setUint32(h.offDtStruct, 9);
    expect(() => decodeFdt(blob)).toThrow(refusal({ code: 'NOT_FOUND', format: 'fdt', structure: 'structure block', offset: h.offDtStruct, reason: 'the structure block holds no root node' }));
  });

  it('encodeFdt: LIMIT past maxDepth, a node met twice, NUL in a name, a blob over 2 GiB', () => {
    const deep = createFdtTree();
    nest(deep.root, 'n', 5);
    expect(() => encodeFdt(deep, { maxDepth: 5 })).toThrow(refusal({ code: 'LIMIT', structure: 'structure block', reason: 'nesting deeper than 5' }));
    expect(decodeFdt(encodeFdt(deep, { maxDepth: 6 })).root).toEqual(deep.root);

    const twice = createFdtTree();
    const shared = addNode(twice.root, 'dup');
    twice.root.children.push(shared);
    expect(() => encodeFdt(twice)).toThrow(refusal({ code: 'BAD_VALUE', reason: 'node "dup" appears twice in the tree' }));

    const cyclic = createFdtTree();
    addNode(cyclic.root, 'loop').children.push(cyclic.root);
    expect(() => encodeFdt(cyclic)).toThrow(refusal({ code: expect.stringMatching(/^(BAD_VALUE|LIMIT)$/) }));

    const nulNode = createFdtTree();
    nulNode.root.children.push({ name: 'a\0b', properties: [], children: [] });
    expect(() => encodeFdt(nulNode)).toThrow(refusal({ reason: 'node name "a\0b" holds a NUL' }));
    const nulProp = createFdtTree();
    setProperty(nulProp.root, 'p\0q', new Uint8Array());
    expect(() => encodeFdt(nulProp)).toThrow(refusal({ reason: 'property name "p\0q" holds a NUL' }));

    // Refused before anything is allocated.
    expect(() => encodeFdt(createFdtTree(), { padding: 0x80000000 })).toThrow(refusal({ reason: expect.stringMatching(/^a \d+-byte blob is larger than libfdt reads$/) }));
  });

  it('encodeFdt and FdtWriter pad to minSize (dtc -S), and ignore a minSize below the size', () => {
    const tree = decodeFdt(fixture('features.dtb'));
    const plain = encodeFdt(tree);
    const padded = encodeFdt(tree, { minSize: plain.length + 100 });
    expect(decodeFdtHeader(padded).totalsize).toBe(plain.length + 100);
    expect(padded.subarray(8)).not.toEqual(plain.subarray(8));
    expect(decodeFdt(padded).root).toEqual(tree.root);
    expect(encodeFdt(tree, { minSize: 8 })).toEqual(plain);
    const w = new FdtWriter().beginNode('').endNode();
    expect(w.finish({ minSize: 256 }).length).toBe(256);
    expect(w.finish({ minSize: 8 })).toEqual(encodeFdt(createFdtTree()));
  });

  it('FdtWriter: reservations after the root began, a nameless subnode, NUL in names, finish without a root', () => {
    const w = new FdtWriter().beginNode('');
    expect(() => w.addReservation(0n, 0x1000n)).toThrow(refusal({ reason: 'reservations come before the root node' }));
    expect(() => w.beginNode('')).toThrow(refusal({ reason: 'a node without a name' }));
    expect(() => w.beginNode('a\0b')).toThrow(refusal({ reason: 'node name "a\0b" holds a NUL' }));
    expect(() => w.property('p\0', new Uint8Array())).toThrow(refusal({ reason: 'property name "p\0" holds a NUL' }));
    expect(() => new FdtWriter().finish()).toThrow(refusal({ code: 'BAD_VALUE', structure: 'structure block', offset: 0, reason: 'no root node' }));
  });

  it('addNode refuses empty names and names holding / or NUL; deleteNode answers false for the root and missing parents', () => {
    const tree = decodeFdt(fixture('overlay-base.dtb'));
    for (const name of ['', 'a/b', 'a\0']) expect(() => addNode(tree.root, name)).toThrow(refusal({ reason: `"${name}" is not a node name` }));
    expect(deleteNode(tree, '/')).toBe(false);
    expect(deleteNode(tree, '/nowhere/dev@2100')).toBe(false);
    expect(encodeFdt(tree)).toEqual(fixture('overlay-base.dtb'));
  });

  it('findNode takes a node as the start as well as a tree', () => {
    const bus = findNode(base, '/bus@2000') as FdtNode;
    expect(findNode(bus, 'dev')).toBe(findNode(base, '/bus@2000/dev@2100'));
  });
});

describe('the value helpers: the numbers they refuse', () => {
  it('numberCells writes a value over count cells, most significant first', () => {
    expect(numberCells(0x1_0000_2000n, 2)).toEqual(cellsValue([1, 0x2000]));
    expect(numberCells(0x2000n, 1)).toEqual(cellsValue([0x2000]));
    expect(numberCells(0n, 0)).toEqual(new Uint8Array(0));
    expect(readNumber(numberCells(0xffffffff_ffffffff_ffffffffn, 3), 0, 3)).toBe(0xffffffff_ffffffff_ffffffffn);
  });

  it('numberCells refuses a value that does not fit, a negative value and a count that is not a count', () => {
    expect(() => numberCells(0x1_0000_0000n, 1)).toThrow(refusal({ code: 'BAD_VALUE', format: 'fdt', structure: 'property', offset: 0, reason: '4294967296 does not fit 1 cell(s)' }));
    expect(() => numberCells(-1n, 2)).toThrow(refusal({ reason: '-1 does not fit 2 cell(s)' }));
    expect(() => numberCells(1n, 0)).toThrow(refusal({ reason: '1 does not fit 0 cell(s)' }));
    for (const count of [-1, 1.5, Number.NaN]) expect(() => numberCells(1n, count)).toThrow(refusal({ reason: `${count} is not a number of cells` }));
  });

  it('u64Value refuses values outside 0..2^64-1', () => {
    expect(() => u64Value([1n, 0x1_0000_0000_0000_0000n])).toThrow(refusal({ code: 'BAD_VALUE', structure: 'property', reason: '18446744073709551616 does not fit 64 bits' }));
    expect(() => u64Value([-1n])).toThrow(refusal({ reason: '-1 does not fit 64 bits' }));
  });
});

import { describe, expect, it } from 'vitest';
import { BootprotoError } from '../../src/core/index.js';
import {
  FDT_BEGIN_NODE,
  FDT_END,
  FDT_END_NODE,
  FDT_HEADER,
  FDT_HEADER_V1,
  FDT_HEADER_V2,
  FDT_HEADER_V3,
  FDT_MAGIC,
  FDT_PROP,
  FDT_RESERVE_ENTRY,
  addNode,
  cellsValue,
  createFdtTree,
  type FdtNode,
  decodeFdt,
  decodeFdtHeader,
  deleteNode,
  deleteProperty,
  detectFdt,
  dts,
  dtsValue,
  encodeFdt,
  encodeFdtHeader,
  fdtCheckFull,
  fdtCursor,
  fdtOutline,
  fdtOutlineLines,
  viewFdtReserveMap,
  nopNode,
  nopProperty,
  setPropertyInPlace,
  findNode,
  openFdt,
  readStringList,
  setProperty,
  stringListValue,
  stringValue,
  u64Value,
  validateFdt,
} from '../../src/fdt/index.js';
import { FEATURE_BLOBS, QEMU_BLOBS, fixture } from './fixtures.js';

const features = fixture('features.dtb');

/** dtc adds a `name` property to every node of a blob older than version 16: drop them to compare. */
function withoutNameProps(node: FdtNode): FdtNode {
  return { name: node.name, properties: node.properties.filter((p) => p.name !== 'name'), children: node.children.map(withoutNameProps) };
}

describe('fdt_header and fdt_reserve_entry', () => {
  it('has the sizes of fdt.h', () => {
    expect(FDT_MAGIC).toBe(0xd00dfeed);
    expect([FDT_HEADER_V1.size, FDT_HEADER_V2.size, FDT_HEADER_V3.size, FDT_HEADER.size]).toEqual([28, 32, 36, 40]);
    expect(FDT_RESERVE_ENTRY.size).toBe(16);
    expect(FDT_HEADER.littleEndian).toBe(false);
  });

  it('decodes the header dtc wrote (values as fdtdump prints them)', () => {
    const h = decodeFdtHeader(features);
    expect(h).toMatchObject({ magic: FDT_MAGIC, totalsize: 2500, offMemRsvmap: 40, version: 17, lastCompVersion: 16, bootCpuidPhys: 0 });
    expect(h.offDtStruct).toBe(40 + 3 * 16);
    expect(h.offDtStrings).toBe(h.offDtStruct + (h.sizeDtStruct as number));
    expect(h.totalsize).toBe(h.offDtStrings + (h.sizeDtStrings as number));
    expect(encodeFdtHeader(h)).toEqual(features.subarray(0, 40));
    expect(detectFdt(features)).toBe(true);
    expect(detectFdt(features.subarray(1))).toBe(false);
  });

  it('leaves out the fields a version lacks', () => {
    const v2 = decodeFdtHeader(fixture('features-v2.dtb'));
    expect(v2.version).toBe(2);
    expect(v2.bootCpuidPhys).toBe(0);
    expect(v2.sizeDtStrings).toBeUndefined();
    expect(v2.sizeDtStruct).toBeUndefined();
    const v3 = decodeFdtHeader(fixture('features-v3.dtb'));
    expect(v3.sizeDtStrings).toBeTypeOf('number');
    expect(v3.sizeDtStruct).toBeUndefined();
    const v16 = decodeFdtHeader(fixture('features-v16.dtb'));
    expect(v16.sizeDtStruct).toBeUndefined();
    expect(decodeFdtHeader(fixture('features-cpu3.dtb')).bootCpuidPhys).toBe(3);
  });

  it('rejects what libfdt rejects in the header', () => {
    const bad = (mutate: (dv: DataView) => void): BootprotoError => {
      const b = features.slice();
      mutate(new DataView(b.buffer));
      try {
        openFdt(b);
      } catch (e) {
        expect(e).toBeInstanceOf(BootprotoError);
        return e as BootprotoError;
      }
      throw new Error('accepted');
    };
    expect(bad((dv) => dv.setUint32(0, 0xd00dfeee)).code).toBe('BAD_MAGIC');
    expect(bad((dv) => dv.setUint32(20, 1)).code).toBe('UNSUPPORTED_VERSION');
    expect(bad((dv) => dv.setUint32(24, 18)).code).toBe('UNSUPPORTED_VERSION');
    expect(bad((dv) => dv.setUint32(4, 3000)).code).toBe('TRUNCATED');
    expect(bad((dv) => dv.setUint32(8, 4000)).field).toBe('off_dt_struct');
    expect(bad((dv) => dv.setUint32(36, 0x7fff0000)).field).toBe('off_dt_struct');
    expect(bad((dv) => dv.setUint32(32, 3000)).field).toBe('off_dt_strings');
    expect(bad((dv) => dv.setUint32(16, 8)).field).toBe('off_mem_rsvmap');
  });
});

describe('the cursor', () => {
  it('walks every node and property with depth, names and values as offsets', () => {
    const c = fdtCursor(features);
    let nodes = 0;
    let props = 0;
    let maxDepth = 0;
    const names: string[] = [];
    for (let t = c.next(); t !== FDT_END; t = c.next()) {
      if (t === FDT_BEGIN_NODE) {
        nodes++;
        maxDepth = Math.max(maxDepth, c.depth);
        if (c.depth === 2) names.push(c.name());
      } else if (t === FDT_PROP) {
        props++;
        expect(c.valueStart + c.valueLength).toBeLessThanOrEqual(features.length);
      } else expect(t).toBe(FDT_END_NODE);
    }
    expect(c.depth).toBe(0);
    expect(nodes).toBe(openFdt(features).nodeCount);
    expect(props).toBeGreaterThan(60);
    expect(maxDepth).toBe(3);
    expect(names).toEqual(['aliases', 'chosen', 'cpus', 'memory@40000000', 'memory@c0000000', 'interrupt-controller@8000000', 'soc', 'values', 'node', 'node@1', 'unit@2']);
    expect(c.next()).toBe(FDT_END);
  });

  it('reads versions before 16 (full paths, 8-byte-aligned values) as libfdt does', () => {
    for (const name of ['features-v2.dtb', 'features-v3.dtb']) {
      const old = decodeFdt(fixture(name));
      const now = decodeFdt(features);
      expect(old.root.properties.find((p) => p.name === 'name')?.value).toEqual(new Uint8Array([0]));
      expect(withoutNameProps(old.root)).toEqual(now.root);
      expect(old.reservations).toEqual(now.reservations);
    }
  });

  it('bounds nesting', () => {
    const tree = createFdtTree();
    let n = tree.root;
    for (let i = 0; i < 20; i++) n = addNode(n, `n${i}`);
    const blob = encodeFdt(tree);
    expect(() => decodeFdt(blob, { maxDepth: 10 })).toThrow(/nesting deeper/);
    expect(decodeFdt(blob).root.children).toHaveLength(1);
  });
});

describe('look-ups as libfdt gives them', () => {
  const fdt = openFdt(features);
  const path = (p: string): string | undefined => {
    const off = fdt.pathOffset(p);
    return off === undefined ? undefined : fdt.nodePath(off);
  };

  it('finds nodes by path, matching unit addresses as fdt_path_offset', () => {
    expect(fdt.pathOffset('/')).toBe(0);
    expect(path('/cpus/cpu@1')).toBe('/cpus/cpu@1');
    expect(path('/cpus/cpu')).toBe('/cpus/cpu@0');
    expect(path('//cpus///cpu@0/')).toBe('/cpus/cpu@0');
    expect(path('/node')).toBe('/node');
    expect(path('/node@1')).toBe('/node@1');
    expect(path('/unit')).toBe('/unit@2');
    expect(path('/unit@3')).toBeUndefined();
    expect(path('/memory')).toBe('/memory@40000000');
    expect(path('/nope')).toBeUndefined();
    expect(path('')).toBeUndefined();
  });

  it('follows aliases, bounded: only absolute, NUL-terminated values', () => {
    expect(fdt.alias('serial0')).toBe('/soc/uart@9000000');
    expect(path('serial0')).toBe('/soc/uart@9000000');
    expect(path('serial1')).toBe('/soc/uart@9001000');
    expect(path('ethernet')).toBe('/soc/ethernet');
    expect(path('relative')).toBeUndefined();
    expect(path('self')).toBeUndefined();
    expect(path('self/x')).toBeUndefined();
    expect(path('missing')).toBeUndefined();
  });

  it('gives parents, subnodes, names and depths', () => {
    const uart = fdt.pathOffset('/soc/uart@9000000') as number;
    const soc = fdt.pathOffset('/soc') as number;
    expect(fdt.parent(uart)).toBe(soc);
    expect(fdt.parent(0)).toBeUndefined();
    expect(fdt.nodeName(uart)).toBe('uart@9000000');
    expect(fdt.nodeDepth(uart)).toBe(2);
    expect(fdt.subnodes(soc).map((o) => fdt.nodeName(o))).toEqual(['uart@9000000', 'uart@9001000', 'ethernet', 'legacy']);
    expect(fdt.subnode(soc, 'uart')).toBe(uart);
    expect(() => fdt.nodeName(uart + 4)).toThrow(BootprotoError);
  });

  it('resolves phandles (phandle and linux,phandle)', () => {
    const gic = fdt.pathOffset('/interrupt-controller') as number;
    const ph = fdt.getU32(0, 'interrupt-parent') as number;
    expect(fdt.phandle(gic)).toBe(ph);
    expect(fdt.nodeByPhandle(ph)).toBe(gic);
    expect(fdt.nodeByPhandle(0x77)).toBe(fdt.pathOffset('/soc/legacy'));
    expect(fdt.nodeByPhandle(0)).toBeUndefined();
    expect(fdt.nodeByPhandle(0xffffffff)).toBeUndefined();
  });

  it('finds by compatible, reads string lists and status', () => {
    expect(fdt.nodesByCompatible('arm,primecell').map((o) => fdt.nodePath(o))).toEqual(['/soc/uart@9000000', '/soc/uart@9001000']);
    const first = fdt.nodeByCompatible('arm,pl011') as number;
    expect(fdt.nodePath(fdt.nodeByCompatible('arm,pl011', first) as number)).toBe('/soc/uart@9001000');
    expect(fdt.nodeByCompatible('arm,pl01')).toBeUndefined();
    expect(fdt.getStringList(0, 'compatible')).toEqual(['bootproto,test-board', 'bootproto,generic']);
    expect(fdt.getStringList(fdt.pathOffset('/values') as number, 'empty-strings')).toEqual(['ab', '', 'cd']);
    expect(() => fdt.getStringList(fdt.pathOffset('/values') as number, 'three-bytes')).toThrow(BootprotoError);
    expect(fdt.status(first)).toBe('okay');
    expect(fdt.isEnabled(first)).toBe(true);
    expect(fdt.isEnabled(fdt.pathOffset('/cpus/cpu@1') as number)).toBe(false);
    expect(fdt.isEnabled(0)).toBe(true);
  });

  it('decodes #address-cells/#size-cells, reg and ranges', () => {
    const cpus = fdt.pathOffset('/cpus') as number;
    expect(fdt.addressCells(cpus)).toBe(1);
    expect(fdt.sizeCells(cpus)).toBe(0);
    const eth = fdt.pathOffset('/soc/ethernet') as number;
    expect(fdt.addressCells(eth)).toBe(2);
    expect(fdt.sizeCells(eth)).toBe(1);
    expect(fdt.reg(fdt.pathOffset('/cpus/cpu@1') as number)).toEqual([{ address: 1n, size: 0n }]);
    expect(fdt.reg(fdt.pathOffset('/soc/uart@9000000') as number)).toEqual([{ address: 0x9000000n, size: 0x1000n }]);
    expect(fdt.reg(fdt.pathOffset('/memory@40000000') as number)).toEqual([
      { address: 0x40000000n, size: 0x8000000n },
      { address: 0x100000000n, size: 0x10000000n },
    ]);
    expect(fdt.ranges(fdt.pathOffset('/soc') as number)).toEqual([{ childAddress: 0n, parentAddress: 0n, size: 0x40000000n }]);
    expect(fdt.ranges(0)).toBeUndefined();
    expect(fdt.reg(eth)).toBeUndefined();
  });

  it('reads /chosen and /memory', () => {
    expect(fdt.chosen()).toEqual({
      bootargs: 'console=ttyAMA0 root=/dev/vda rw',
      initrdStart: 0x48000000n,
      initrdEnd: 0x48100000n,
      stdoutPath: 'serial0:115200n8',
    });
    expect(fdt.memory()).toEqual([
      { address: 0x40000000n, size: 0x8000000n },
      { address: 0x100000000n, size: 0x10000000n },
    ]);
    const map = viewFdtReserveMap(features);
    expect(map.count).toBe(2);
    expect(map.get(1).address).toBe(0x80000000);
    expect(map.get(1).sizeBig).toBe(0x100000n);
    expect(fdt.reservations()).toEqual([
      { address: 0x10000000n, size: 0x4000n },
      { address: 0x80000000n, size: 0x100000n },
    ]);
  });

  it('lists properties with libfdt offsets', () => {
    const props = fdt.properties(fdt.pathOffset('/node@1') as number);
    expect(props.map((p) => p.name)).toEqual(['second', 'reg']);
    const c = fdtCursor(features).seek(props[0]?.offset as number, 1);
    expect(c.next()).toBe(FDT_PROP);
    expect(c.name()).toBe('second');
  });
});

describe('the tree', () => {
  it('round-trips every dtc-written blob byte for byte', () => {
    expect(encodeFdt(decodeFdt(features))).toEqual(features);
    expect(encodeFdt(decodeFdt(fixture('features-cpu3.dtb')))).toEqual(fixture('features-cpu3.dtb'));
    expect(encodeFdt(decodeFdt(fixture('features-padded.dtb')), { padding: 300 })).toEqual(fixture('features-padded.dtb'));
    expect(encodeFdt(decodeFdt(fixture('features-v16.dtb')))).toEqual(features);
    for (const name of ['features-v3.dtb', 'features-v2.dtb']) {
      const old = decodeFdt(fixture(name));
      expect(encodeFdt({ ...old, root: withoutNameProps(old.root) })).toEqual(features);
    }
    for (const name of ['overlay-base.dtb', 'overlay.dtb']) {
      expect(encodeFdt(decodeFdt(fixture(name)))).toEqual(fixture(name));
    }
  });

  it('decodes QEMU blobs and encodes them compactly', () => {
    for (const name of QEMU_BLOBS) {
      const blob = fixture(name);
      expect(blob.length).toBe(0x100000);
      const tree = decodeFdt(blob);
      const again = encodeFdt(tree);
      expect(again.length).toBeLessThan(blob.length);
      expect(decodeFdt(again)).toEqual(tree);
      expect(validateFdt(again).filter((p) => p.severity === 'error')).toEqual([]);
    }
  });

  it('edits as libfdt places things', () => {
    const tree = decodeFdt(features);
    const chosen = findNode(tree, '/chosen');
    expect(chosen).toBeDefined();
    setProperty(chosen!, 'bootargs', stringValue('quiet'));
    setProperty(chosen!, 'linux,new', cellsValue([1, 2]));
    expect(chosen!.properties[0]?.name).toBe('linux,new');
    expect(chosen!.properties[1]?.name).toBe('bootargs');
    expect(deleteProperty(chosen!, 'stdout-path')).toBe(true);
    expect(deleteProperty(chosen!, 'stdout-path')).toBe(false);
    const added = addNode(findNode(tree, '/soc')!, 'timer@a000');
    setProperty(added, 'reg', cellsValue([0xa000, 0x100]));
    expect(findNode(tree, '/soc')!.children[0]?.name).toBe('timer@a000');
    expect(() => addNode(findNode(tree, '/soc')!, 'uart')).toThrow(/already exists/);
    expect(deleteNode(tree, '/cpus/cpu@1')).toBe(true);
    expect(deleteNode(tree, '/cpus/cpu@1')).toBe(false);
    const blob = encodeFdt(tree);
    const fdt = openFdt(blob);
    expect(fdt.chosen()?.bootargs).toBe('quiet');
    expect(fdt.reg(fdt.pathOffset('/soc/timer') as number)).toEqual([{ address: 0xa000n, size: 0x100n }]);
    expect(fdt.pathOffset('/cpus/cpu@1')).toBeUndefined();
    expect(validateFdt(blob).filter((p) => p.severity === 'error')).toEqual([]);
  });

  it('stores each property name once, reusing tails as dtc does', () => {
    const tree = createFdtTree();
    setProperty(tree.root, 'size-cells', cellsValue([1]));
    setProperty(tree.root, '#size-cells', cellsValue([1]));
    const blob = encodeFdt(tree);
    const h = decodeFdtHeader(blob);
    // '#size-cells' is met first (setProperty prepends), 'size-cells' is its tail.
    expect(h.sizeDtStrings).toBe('#size-cells'.length + 1);
    expect(openFdt(blob).getU32(0, 'size-cells')).toBe(1);
  });

  it('builds values', () => {
    expect(cellsValue([1, 0xffffffff])).toEqual(new Uint8Array([0, 0, 0, 1, 255, 255, 255, 255]));
    expect(u64Value([0x100000000n])).toEqual(new Uint8Array([0, 0, 0, 1, 0, 0, 0, 0]));
    expect(readStringList(stringListValue(['a', '', 'b']))).toEqual(['a', '', 'b']);
    expect(() => cellsValue([-1])).toThrow(BootprotoError);
    expect(() => encodeFdt({ ...createFdtTree(), root: { name: 'x', properties: [], children: [] } })).toThrow(/named root/);
  });
});

describe('DTS text', () => {
  it('chooses forms as dtc does and never prints \\0 before a digit', () => {
    expect(dtsValue(stringListValue(['a', '1', 'x']))).toBe('"a", "1", "x"');
    expect(dtsValue(stringValue('tab\there "q" \\'))).toBe('"tab\\there \\"q\\" \\\\"');
    expect(dtsValue(cellsValue([2, 0x41424300]))).toBe('<0x02 0x41424300>');
    expect(dtsValue(new Uint8Array([1, 2, 3]))).toBe('[01 02 03]');
    expect(dtsValue(new Uint8Array([0x61, 0, 0, 0]))).toBe('<0x61000000>');
    expect(dtsValue(new Uint8Array([0x61, 0x62, 0, 0]))).toBe('"ab", ""');
    expect(dtsValue(new Uint8Array())).toBe('');
  });

  it('prints the features tree', () => {
    const text = dts(features);
    expect(text.startsWith('/dts-v1/;\n\n/memreserve/\t0x0000000010000000 0x0000000000004000;\n')).toBe(true);
    expect(text).toContain('\tcompatible = "bootproto,test-board", "bootproto,generic";\n');
    expect(text).toContain('\t\tnul-digit = "a", "1", "x";\n');
    expect(text).toContain('\t\tempty;\n');
    expect(text).toContain('\t\tu16s = [12 34 56 78 9a bc];\n');
  });
});

describe('validation', () => {
  it('finds no error in dtc and QEMU blobs, and dtc-like warnings', () => {
    for (const name of [...FEATURE_BLOBS, ...QEMU_BLOBS]) {
      const problems = validateFdt(fixture(name));
      expect(problems.filter((p) => p.severity === 'error'), name).toEqual([]);
      expect(fdtCheckFull(fixture(name))).toBe(true);
    }
    const codes = validateFdt(features).map((p) => `${p.code} ${p.message}`);
    expect(codes).toContain('FDT_UNIT_ADDRESS /soc: node has "reg" or "ranges" but no unit address');
    expect(codes.some((c) => c.startsWith('FDT_UNIT_ADDRESS_VS_REG /unit@2'))).toBe(true);
    expect(validateFdt(fixture('features-v2.dtb')).some((p) => p.code === 'FDT_VERSION')).toBe(true);
    // The warnings dtc printed when it compiled features.dts, in our words.
    expect(codes).toContain('FDT_ALIAS alias "relative" = "serial0" is not the path of a node (dtc: alias_paths)');
    expect(codes).toContain('FDT_ALIAS alias "self" = "self" is not the path of a node (dtc: alias_paths)');
    expect(codes).toContain('FDT_SIMPLE_BUS_REG /soc/ethernet: a child of a simple-bus without "reg" or "ranges" (dtc: simple_bus_reg)');
    expect(codes).toContain('FDT_SIMPLE_BUS_REG /soc/legacy: a child of a simple-bus without "reg" or "ranges" (dtc: simple_bus_reg)');
    // QEMU's RISC-V PLIC has #address-cells = <0>, which is fine.
    expect(validateFdt(fixture(QEMU_BLOBS[2] as string)).some((p) => p.code === 'FDT_CELLS')).toBe(false);
  });
});

describe('outline', () => {
  it('lists nodes and properties with blob offsets', () => {
    const lines = fdtOutlineLines(features);
    const h = decodeFdtHeader(features);
    expect(lines[0]).toBe(`0x${h.offDtStruct.toString(16).padStart(6, '0')} / {`);
    expect(lines[1]).toMatch(/^0x[0-9a-f]{6}   model = "bootproto test board";$/);
    expect(lines.some((l) => /^0x[0-9a-f]{6} {5}uart@9000000 {$/.test(l))).toBe(true);
    const root = fdtOutline(features);
    expect(root?.children.find((c) => c.name === 'soc')?.children[0]?.path).toBe('/soc/uart@9000000');
    const total = (n: NonNullable<typeof root>): number => 1 + n.properties.length + n.children.reduce((a, c) => a + total(c), 0);
    expect(lines.length).toBe(total(root!));
  });
});

describe('in-place edits', () => {
  it('sets a value of the same length, and NOPs properties and nodes away', () => {
    const blob = features.slice();
    const fdt = openFdt(blob);
    const chosen = fdt.pathOffset('/chosen') as number;
    const start = fdt.properties(chosen).find((p) => p.name === 'linux,initrd-start')!;
    setPropertyInPlace(blob, start.offset, cellsValue([0x49000000]));
    expect(openFdt(blob).chosen()?.initrdStart).toBe(0x49000000n);
    expect(() => setPropertyInPlace(blob, start.offset, cellsValue([1, 2]))).toThrow(BootprotoError);
    expect(() => setPropertyInPlace(blob, chosen, cellsValue([1]))).toThrow(/not 0x3/);

    const args = fdt.properties(chosen).find((p) => p.name === 'bootargs')!;
    nopProperty(blob, args.offset);
    const after = openFdt(blob);
    expect(after.chosen()?.bootargs).toBeUndefined();
    expect(after.nodeCount).toBe(fdt.nodeCount);

    nopNode(blob, fdt.pathOffset('/soc') as number);
    const gone = openFdt(blob);
    expect(gone.pathOffset('/soc')).toBeUndefined();
    expect(gone.pathOffset('/soc/uart')).toBeUndefined();
    expect(gone.nodeCount).toBe(fdt.nodeCount - 5);
    expect(validateFdt(blob).filter((p) => p.severity === 'error')).toEqual([]);
    expect(() => nopNode(blob, 0)).toThrow(/root/);

    // Packing drops the NOPs: the tree is what dtc would write for it.
    const packed = encodeFdt(decodeFdt(blob));
    expect(packed.length).toBeLessThan(blob.length);
    expect(decodeFdt(packed)).toEqual(decodeFdt(blob));
  });
});

/**
 * The devicetree module against the real tools (Debian packages
 * device-tree-compiler, libfdt-dev, gcc): every value against `fdtget`,
 * headers against `fdtdump`, DTS output recompiled by `dtc`, encoder output
 * against `dtc -I dtb -O dtb`, validation verdicts and look-ups against
 * libfdt itself (test/tools/fdt/libfdt-probe.c, built into .cache/).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addNode,
  applyOverlay,
  deleteNode,
  nopNode,
  nopProperty,
  setPropertyInPlace,
  cellsValue,
  createFdtTree,
  decodeFdt,
  decodeFdtHeader,
  encodeFdt,
  fdtCheckFull,
  findNode,
  openFdt,
  setProperty,
  stringListValue,
  stringValue,
  toDts,
  u64Value,
  type FdtNode,
  type FdtTree,
} from '../../src/fdt/index.js';
import { CORRUPT_CASES, TOLERATED_CASES, good } from '../fdt/assemble.js';
import { FEATURE_BLOBS, QEMU_BLOBS, fixture } from '../fdt/fixtures.js';
import { BootprotoError } from '../../src/core/index.js';
import { REPO_ROOT, makeTempDir, removeTempDir, run, runOk, seededBytes } from './helpers.js';

const PROBE = join(REPO_ROOT, '.cache/libfdt-probe');
let dir: string;

beforeAll(async () => {
  dir = makeTempDir('fdt-tools-');
  mkdirSync(join(REPO_ROOT, '.cache'), { recursive: true });
  await runOk('gcc', ['-O2', '-Wall', '-o', PROBE, join(REPO_ROOT, 'test/tools/fdt/libfdt-probe.c'), '-lfdt']);
});
afterAll(() => removeTempDir(dir));

function save(name: string, bytes: Uint8Array): string {
  const file = join(dir, name.replace(/\.gz$/, ''));
  writeFileSync(file, bytes);
  return file;
}

/** Compiles DTS text with dtc (under a timeout), returning the blob. */
async function compile(text: string, name: string, extra: string[] = []): Promise<Uint8Array> {
  const src = join(dir, `${name}.dts`);
  const out = join(dir, `${name}.out.dtb`);
  writeFileSync(src, text);
  await runOk('timeout', ['60', 'dtc', '-q', ...extra, '-I', 'dts', '-O', 'dtb', '-o', out, src]);
  return new Uint8Array(readFileSync(out));
}

const ALL = [...FEATURE_BLOBS, ...QEMU_BLOBS];

/**
 * dtc's `name_properties` check deletes a `name` property that repeats the
 * node's base name (the blobs older than version 16 carry one per node), for
 * DTS and DTB input alike: what dtc gives back lacks them.
 */
function asDtcKeeps(tree: FdtTree): FdtTree {
  const strip = (n: FdtNode): FdtNode => {
    const base = new TextEncoder().encode(n.name.split('@')[0] ?? '');
    const redundant = (p: FdtNode['properties'][number]): boolean =>
      p.name === 'name' && p.value.length === base.length + 1 && base.every((b, i) => p.value[i] === b);
    const first = n.properties.findIndex((p) => p.name === 'name');
    const props = first >= 0 && redundant(n.properties[first]!) ? n.properties.filter((_, i) => i !== first) : n.properties;
    return { name: n.name, properties: props, children: n.children.map(strip) };
  };
  return { ...tree, root: strip(tree.root) };
}

describe('fdtdump and fdtget agree with the decoder', () => {
  for (const name of ALL) {
    it(`${name}: header as fdtdump prints it`, async () => {
      const bytes = fixture(name);
      const file = save(name, bytes);
      const r = await runOk('timeout', ['60', 'fdtdump', file]);
      const h = decodeFdtHeader(bytes);
      const field = (label: string): number | undefined => {
        const m = new RegExp(`// ${label}:\\s+(0x[0-9a-f]+|\\d+)`).exec(r.stdout);
        return m === null ? undefined : Number(m[1]);
      };
      expect(field('totalsize')).toBe(h.totalsize);
      expect(field('off_dt_struct')).toBe(h.offDtStruct);
      expect(field('off_dt_strings')).toBe(h.offDtStrings);
      expect(field('off_mem_rsvmap')).toBe(h.offMemRsvmap);
      expect(field('version')).toBe(h.version);
      expect(field('last_comp_version')).toBe(h.lastCompVersion);
      if (h.version >= 2) expect(field('boot_cpuid_phys')).toBe(h.bootCpuidPhys);
      if (h.version >= 3) expect(field('size_dt_strings')).toBe(h.sizeDtStrings);
      if (h.version >= 17) expect(field('size_dt_struct')).toBe(h.sizeDtStruct);
    });

    it(`${name}: every node, property and value as fdtget reads them`, async () => {
      const bytes = fixture(name);
      const file = save(name, bytes);
      const fdt = openFdt(bytes);
      const args: string[] = [];
      const expected: string[] = [];
      for (const node of fdt.nodes()) {
        const path = fdt.nodePath(node);
        const subs = await runOk('fdtget', ['-l', file, path]);
        expect(subs.stdout.split('\n').filter((l) => l !== ''), path).toEqual(fdt.subnodes(node).map((o) => fdt.nodeName(o)));
        const seen = new Set<string>();
        for (const p of fdt.properties(node)) {
          if (seen.has(p.name)) continue;
          seen.add(p.name);
          args.push(path, p.name);
          expected.push(Array.from(p.value, (b) => b.toString(16)).join(' '));
        }
      }
      const r = await runOk('fdtget', ['-t', 'bx', file, ...args]);
      expect(r.stdout.split('\n').slice(0, expected.length)).toEqual(expected);
    });
  }
});

describe('libfdt agrees on look-ups', () => {
  it('fdt_path_offset and fdt_node_offset_by_phandle give our offsets', async () => {
    for (const name of ['features.dtb', 'features-v2.dtb', 'features-v3.dtb', 'features-v16.dtb', 'overlay-result.dtb', ...QEMU_BLOBS]) {
      const bytes = fixture(name);
      const file = save(name, bytes);
      const fdt = openFdt(bytes);
      const paths = ['/', '/nope', '//cpus//'];
      for (const n of fdt.nodes()) {
        const full = fdt.nodePath(n);
        paths.push(full, full.replace(/@[^/]*$/, ''), `${full}/`);
      }
      // Aliases whose value is an absolute path (libfdt 1.6.1 would recurse forever on "self").
      if (name.startsWith('features')) paths.push('serial0', 'serial1', 'ethernet', 'serial0/', 'missing');
      const r = await runOk(PROBE, ['path', file, ...paths]);
      const theirs = r.stdout.trim().split('\n').map(Number);
      const ours = paths.map((p) => fdt.pathOffset(p) ?? -1);
      expect(ours.map((o, i) => (o < 0 ? -1 : o) === (theirs[i] as number) || ((theirs[i] as number) < 0 && o < 0))).not.toContain(false);
      const phandles = ['1', '2', '3', '0x77', '0x8000', '0'];
      const pr = await runOk(PROBE, ['phandle', file, ...phandles]);
      const ph = pr.stdout.trim().split('\n').map(Number);
      phandles.forEach((p, i) => {
        const mine = fdt.nodeByPhandle(Number(p));
        expect(mine ?? -1, `${name} phandle ${p}`).toBe((ph[i] as number) < 0 ? -1 : ph[i]);
      });
    }
  });

  it('path look-ups agree with libfdt on 300 mutated blobs that pass fdt_check_full', async () => {
    let compared = 0;
    for (let i = 0; compared < 300 && i < 3000; i++) {
      const b = fixture('features.dtb');
      const noise = seededBytes(20000 + i, 6);
      const off = new DataView(b.buffer).getUint32(8);
      const at = off + ((((noise[0] as number) << 8) | (noise[1] as number)) % (b.length - off));
      // Printable replacements keep names plausible: '@', '/', letters, digits.
      b[at] = '@/ab1c,-_'.charCodeAt((noise[2] as number) % 9);
      if (!fdtCheckFull(b)) continue;
      compared++;
      const fdt = openFdt(b);
      const paths: string[] = [];
      for (const n of fdt.nodes()) {
        const full = fdt.nodePath(n);
        paths.push(full, full.replace(/@[^/]*$/, ''));
      }
      paths.push('serial0', 'serial1', 'ethernet');
      const file = save(`mutpath${i}.dtb`, b);
      const r = await run(PROBE, ['path', file, ...paths], { timeoutMs: 30_000 });
      if (r.code !== 0) continue; // an alias that now names itself: libfdt 1.6.1 dies
      const theirs = r.stdout.trim().split('\n').map(Number);
      paths.forEach((p, k) => {
        const t = theirs[k] as number;
        expect(fdt.pathOffset(p) ?? -1, `${p} in mutation ${i} (byte ${at})`).toBe(t < 0 ? -1 : t);
      });
    }
    expect(compared).toBe(300);
  });

  it('libfdt 1.6.1 crashes on an alias naming itself; we answer "not found"', async () => {
    const file = save('features.dtb', fixture('features.dtb'));
    const r = await run(PROBE, ['path', file, 'self'], { timeoutMs: 30_000 });
    expect(r.code === 0 && !r.timedOut).toBe(false);
    expect(openFdt(fixture('features.dtb')).pathOffset('self')).toBeUndefined();
  });

  it('libfdt 1.6.1 follows a relative alias that we (as libfdt 1.7) refuse', async () => {
    const file = save('features.dtb', fixture('features.dtb'));
    const r = await runOk(PROBE, ['path', file, 'relative']);
    expect(Number(r.stdout.trim())).toBeGreaterThan(0);
    expect(openFdt(fixture('features.dtb')).pathOffset('relative')).toBeUndefined();
  });

  it('fdt_check_full rejects each hand-made corrupt blob and accepts each tolerated one', async () => {
    const all = [...CORRUPT_CASES.map(([w, b]) => [w, b, false] as const), ...TOLERATED_CASES.map(([w, b]) => [w, b, true] as const), ['good', good, true] as const];
    const files = all.map(([, b], i) => save(`hand${i}.dtb`, b));
    const r = await runOk(PROBE, ['check', ...files]);
    const verdicts = r.stdout.trim().split('\n').map(Number);
    all.forEach(([what, b, ok], i) => {
      expect(verdicts[i] === 0, `${what}: libfdt says ${verdicts[i]}`).toBe(ok);
      expect(fdtCheckFull(b), what).toBe(ok);
    });
  });

  it('fdt_check_full gives our verdict on every corrupted blob', async () => {
    const bases = [fixture('features.dtb'), fixture('features-v2.dtb'), fixture('overlay.dtb')];
    const files: string[] = [];
    const blobs: Uint8Array[] = [];
    for (let i = 0; i < 1500; i++) {
      const noise = seededBytes(1000 + i, 16);
      const base = bases[i % bases.length] as Uint8Array;
      const b = base.slice();
      const flips = 1 + ((noise[0] as number) % 3);
      for (let k = 0; k < flips; k++) {
        const at = (((noise[1 + k * 3] as number) << 8) | (noise[2 + k * 3] as number)) % b.length;
        // Half the mutations aim at the header and the structure block's tokens.
        const target = i % 2 === 0 ? at % 64 : at;
        b[target] = noise[3 + k * 3] as number;
      }
      const cut = i % 7 === 0 ? b.subarray(0, (noise[12] as number) * 12) : b;
      blobs.push(cut);
      void base;
      files.push(save(`mut${i}.dtb`, cut));
    }
    const r = await runOk(PROBE, ['check', ...files]);
    const verdicts = r.stdout.trim().split('\n').map(Number);
    let rejected = 0;
    blobs.forEach((b, i) => {
      const theirs = verdicts[i] === 0;
      if (!theirs) rejected++;
      const base = bases[i % bases.length] as Uint8Array;
      const diff = Array.from(b.keys()).filter((k) => b[k] !== base[k]).map((k) => `${k}:${base[k]}->${b[k]}`);
      expect(fdtCheckFull(b), `mut${i}.dtb (${b.length} bytes, ${diff.join(' ')}): libfdt says ${verdicts[i]}`).toBe(theirs);
    });
    expect(rejected).toBeGreaterThan(50);
  });
});

describe('dtc agrees with the encoder and the DTS printer', () => {
  for (const name of ALL) {
    it(`${name}: encodeFdt(decodeFdt(x)) equals dtc -I dtb -O dtb x`, async () => {
      const bytes = fixture(name);
      const file = save(name, bytes);
      const out = join(dir, `${name}.dtc.dtb`);
      await runOk('timeout', ['60', 'dtc', '-q', '-I', 'dtb', '-O', 'dtb', '-o', out, file]);
      expect(encodeFdt(asDtcKeeps(decodeFdt(bytes)))).toEqual(new Uint8Array(readFileSync(out)));
    });

    it(`${name}: our DTS compiles back to the same blob`, async () => {
      const bytes = fixture(name);
      const tree = decodeFdt(bytes);
      const back = await compile(toDts(tree), `${name}.ours`, tree.bootCpuidPhys === 0 ? [] : ['-b', String(tree.bootCpuidPhys)]);
      expect(back).toEqual(encodeFdt(asDtcKeeps(tree)));
    });
  }

  it("dtc's own DTS output loses the tree when a NUL is followed by a digit; ours does not", async () => {
    const file = save('features.dtb', fixture('features.dtb'));
    const r = await runOk('timeout', ['60', 'dtc', '-q', '-I', 'dtb', '-O', 'dts', file]);
    expect(r.stdout).toContain('nul-digit = "a\\01\\0x"');
    const theirs = await compile(r.stdout, 'dtc-own');
    expect(theirs).not.toEqual(fixture('features.dtb'));
    expect(await compile(toDts(decodeFdt(fixture('features.dtb'))), 'ours')).toEqual(fixture('features.dtb'));
  });

  it('a built and edited tree is accepted by dtc and read back by fdtget', async () => {
    const tree = createFdtTree();
    tree.reservations.push({ address: 0x1000n, size: 0x2000n });
    setProperty(tree.root, '#size-cells', cellsValue([2]));
    setProperty(tree.root, '#address-cells', cellsValue([2]));
    setProperty(tree.root, 'compatible', stringListValue(['acme,board', 'acme,soc']));
    const chosen = addNode(tree.root, 'chosen');
    setProperty(chosen, 'bootargs', stringValue('console=hvc0 quiet'));
    setProperty(chosen, 'linux,initrd-start', u64Value([0x48000000n]));
    const mem = addNode(tree.root, 'memory@80000000');
    setProperty(mem, 'reg', u64Value([0x80000000n, 0x10000000n]));
    setProperty(mem, 'device_type', stringValue('memory'));
    const edited = decodeFdt(encodeFdt(tree));
    setProperty(findNode(edited, '/chosen')!, 'bootargs', stringValue('edited'));
    const file = save('built.dtb', encodeFdt(edited));
    const dts = await runOk('timeout', ['60', 'dtc', '-q', '-I', 'dtb', '-O', 'dts', file]);
    expect(dts.stdout).toContain('/memreserve/\t0x0000000000001000 0x0000000000002000;');
    const got = await runOk('fdtget', [file, '/chosen', 'bootargs', '/memory', 'reg', '/', 'compatible']);
    // fdtget prints cells as signed ints.
    expect(got.stdout.split('\n').slice(0, 3), got.stdout).toEqual(['edited', '0 -2147483648 0 268435456', 'acme,board acme,soc']);
    const check = await runOk(PROBE, ['check', file]);
    expect(check.stdout.trim()).toBe('0');
  });

  it('in-place edits (NOPs, same-length values) read back through fdtget and pass fdt_check_full', async () => {
    const blob = fixture('features.dtb');
    const fdt = openFdt(blob);
    const chosen = fdt.pathOffset('/chosen') as number;
    nopProperty(blob, fdt.properties(chosen).find((p) => p.name === 'bootargs')!.offset);
    setPropertyInPlace(blob, fdt.properties(chosen).find((p) => p.name === 'linux,initrd-start')!.offset, cellsValue([0x49000000]));
    nopNode(blob, fdt.pathOffset('/soc') as number);
    const file = save('inplace.dtb', blob);
    expect((await runOk(PROBE, ['check', file])).stdout.trim()).toBe('0');
    // (fdtget -l itself stops at FDT_NOP, "Unknown tag 0x00000004": its own walk, not libfdt's.)
    const paths = (await runOk(PROBE, ['path', file, '/soc', '/soc/uart', '/chosen'])).stdout.trim().split('\n').map(Number);
    expect(paths[0]).toBeLessThan(0);
    expect(paths[1]).toBeLessThan(0);
    expect(paths[2]).toBe(openFdt(blob).pathOffset('/chosen'));
    expect((await run('fdtget', [file, '/chosen', 'bootargs'])).code).not.toBe(0);
    expect((await runOk('fdtget', ['-t', 'x', file, '/chosen', 'linux,initrd-start'])).stdout.trim()).toBe('49000000');
    const out = join(dir, 'inplace.packed.dtb');
    await runOk('timeout', ['60', 'dtc', '-q', '-I', 'dtb', '-O', 'dtb', '-o', out, file]);
    expect(encodeFdt(decodeFdt(blob))).toEqual(new Uint8Array(readFileSync(out)));
  });

  it('dtc compiles the fixtures to the committed bytes (the recipe still holds)', async () => {
    const src = readFileSync(join(REPO_ROOT, 'test/fixtures/fdt/features.dts'), 'utf8');
    expect(await compile(src, 'features-again')).toEqual(fixture('features.dtb'));
    expect(existsSync(join(REPO_ROOT, 'test/fixtures/fdt/make-fixtures.sh'))).toBe(true);
    const r = await run('dtc', ['--version']);
    expect(r.stdout).toMatch(/Version: DTC/);
  });
});

describe('fdtoverlay agrees with applyOverlay', () => {
  const base = (): FdtTree => decodeFdt(fixture('overlay-base.dtb'));
  const ov = (n: string): FdtTree => decodeFdt(fixture(n));

  async function fdtoverlay(b: FdtTree, overlays: FdtTree[], tag: string) {
    const bf = save(`${tag}-base.dtb`, encodeFdt(b));
    const ofs = overlays.map((o, i) => save(`${tag}-ov${i}.dtb`, encodeFdt(o)));
    const out = join(dir, `${tag}-out.dtb`);
    const r = await run('timeout', ['60', 'fdtoverlay', '-i', bf, '-o', out, ...ofs]);
    return { ok: r.code === 0, bytes: r.code === 0 ? new Uint8Array(readFileSync(out)) : undefined, stderr: r.stderr };
  }

  it('good overlays, alone and in sequence, give the same tree', async () => {
    for (const [tag, list] of [
      ['one', ['overlay.dtb']],
      ['two', ['overlay2.dtb']],
      ['both', ['overlay.dtb', 'overlay2.dtb']],
      ['reversed', ['overlay2.dtb', 'overlay.dtb']],
    ] as const) {
      const overlays = list.map(ov);
      const theirs = await fdtoverlay(base(), overlays, tag);
      expect(theirs.ok, theirs.stderr).toBe(true);
      const ours = overlays.reduce((t, o) => applyOverlay(t, o), base());
      expect(ours.root, tag).toEqual(decodeFdt(theirs.bytes as Uint8Array).root);
    }
  });

  it('1,000 mutated overlays: the same verdict and the same tree as fdtoverlay', async () => {
    const baseBytes = fixture('overlay-base.dtb');
    const bf = save('mut-base.dtb', baseBytes);
    let both = 0;
    let neither = 0;
    for (let i = 0; i < 1000; i++) {
      const name = i % 2 ? 'overlay.dtb' : 'overlay2.dtb';
      const ov = fixture(name);
      const noise = seededBytes(5000 + i, 4);
      const off = new DataView(ov.buffer).getUint32(8);
      const at = off + ((((noise[0] as number) << 8) | (noise[1] as number)) % (ov.length - off));
      ov[at] = noise[2] as number;
      const of = save(`mut-ov${i}.dtb`, ov);
      const out = join(dir, `mut-res${i}.dtb`);
      const r = await run('timeout', ['20', 'fdtoverlay', '-i', bf, '-o', out, of]);
      let ours: FdtTree | undefined;
      try {
        ours = applyOverlay(decodeFdt(baseBytes), decodeFdt(ov));
      } catch (e) {
        if (!(e instanceof BootprotoError)) throw e;
      }
      const what = `${name} byte ${at} = ${noise[2]}`;
      if (r.code === 0 && ours !== undefined) {
        expect(ours.root, what).toEqual(decodeFdt(new Uint8Array(readFileSync(out))).root);
        both++;
      } else if (r.code !== 0 && ours === undefined) neither++;
      else if (ours !== undefined) throw new Error(`${what}: we applied an overlay fdtoverlay refused: ${r.stderr}`);
      // fdtoverlay applied it but we refused: libfdt never reads some corrupt
      // parts of an overlay; we refuse what fdt_check_full refuses.
      else expect(fdtCheckFull(ov), what).toBe(false);
    }
    expect(both).toBeGreaterThan(50);
    expect(neither).toBeGreaterThan(50);
  });

  it('500 mutated bases: the same verdict and the same tree as fdtoverlay', async () => {
    const ovBytes = fixture('overlay.dtb');
    const of = save('mutb-ov.dtb', ovBytes);
    let both = 0;
    for (let i = 0; i < 500; i++) {
      const b = fixture('overlay-base.dtb');
      const noise = seededBytes(9000 + i, 4);
      const off = new DataView(b.buffer).getUint32(8);
      const at = off + ((((noise[0] as number) << 8) | (noise[1] as number)) % (b.length - off));
      b[at] = noise[2] as number;
      const bf = save(`mutb-base${i}.dtb`, b);
      const out = join(dir, `mutb-res${i}.dtb`);
      const r = await run('timeout', ['20', 'fdtoverlay', '-i', bf, '-o', out, of]);
      let ours: FdtTree | undefined;
      try {
        ours = applyOverlay(decodeFdt(b), decodeFdt(ovBytes));
      } catch (e) {
        if (!(e instanceof BootprotoError)) throw e;
      }
      const what = `base byte ${at} = ${noise[2]}`;
      if (r.code === 0 && ours !== undefined) {
        expect(ours.root, what).toEqual(decodeFdt(new Uint8Array(readFileSync(out))).root);
        both++;
      } else if (ours !== undefined && r.code !== 0) throw new Error(`${what}: we applied to a base fdtoverlay refused: ${r.stderr}`);
      else if (ours === undefined && r.code === 0) expect(fdtCheckFull(b), what).toBe(false);
    }
    expect(both).toBeGreaterThan(100);
  });

  it('fixup offsets are read as strtoul reads them', async () => {
    for (const [i, spelling] of ['0', ' 0', '+0', ' +0', '-0', '00', '\t0', '0 ', '0x0', '', '4', '-4'].entries()) {
      const o = ov('overlay.dtb');
      setProperty(findNode(o, '/__fixups__')!, 'intc', stringValue(`/fragment@0/__overlay__/newdev@2200:interrupt-parent:${spelling}`));
      const theirs = await fdtoverlay(base(), [o], `fixup${i}`);
      let ours = true;
      try {
        applyOverlay(base(), o);
      } catch (e) {
        if (!(e instanceof BootprotoError)) throw e;
        ours = false;
      }
      // "-4" is refused here; libfdt writes 4 bytes before the value and may or may not fail.
      if (spelling !== '-4') expect(ours, JSON.stringify(spelling)).toBe(theirs.ok);
      else expect(ours).toBe(false);
    }
  });

  it('bad overlays fail in fdtoverlay and here', async () => {
    const cases: [string, () => [FdtTree, FdtTree]][] = [
      ['no-symbols', () => { const b = base(); deleteNode(b, '/__symbols__'); return [b, ov('overlay.dtb')]; }],
      ['fixup-past', () => { const o = ov('overlay.dtb'); setProperty(findNode(o, '/__fixups__')!, 'intc', stringValue('/fragment@0/__overlay__/newdev@2200:interrupt-parent:4')); return [base(), o]; }],
      ['fixup-malformed', () => { const o = ov('overlay.dtb'); setProperty(findNode(o, '/__fixups__')!, 'intc', stringValue('/fragment@0:x')); return [base(), o]; }],
      ['unresolved-target', () => { const o = ov('overlay.dtb'); deleteNode(o, '/__fixups__'); return [base(), o]; }],
      ['nowhere', () => { const o = ov('overlay2.dtb'); setProperty(findNode(o, '/fragment@2')!, 'target-path', stringValue('/nowhere')); return [base(), o]; }],
      ['no-target', () => { const o = ov('overlay2.dtb'); findNode(o, '/fragment@2')!.properties = []; return [base(), o]; }],
      ['local-missing', () => { const o = ov('overlay.dtb'); setProperty(findNode(o, '/__local_fixups__/fragment@0/__overlay__/newdev@2200')!, 'nope', cellsValue([0])); return [base(), o]; }],
      ['bad-phandle', () => { const o = ov('overlay.dtb'); setProperty(findNode(o, '/fragment@0/__overlay__/newdev@2200')!, 'phandle', cellsValue([1, 2])); return [base(), o]; }],
      ['bad-symbol', () => { const o = ov('overlay.dtb'); setProperty(findNode(o, '/__symbols__')!, 'new', stringValue('/fragment@9/__overlay__/x')); return [base(), o]; }],
    ];
    for (const [tag, make] of cases) {
      const [b, o] = make();
      const theirs = await fdtoverlay(b, [o], tag);
      expect(theirs.ok, `${tag}: fdtoverlay accepted it`).toBe(false);
      expect(() => applyOverlay(b, o), tag).toThrow(BootprotoError);
    }
  });
});

describe('random trees through our DTS and dtc', () => {
  // Values built to hit every DTS form: printable strings with digits after
  // NULs, escapes, empty strings, high bytes, odd lengths, cell-sized ones.
  const text = fc.string({ unit: fc.constantFrom(...'ab019\\"\t\n\x07 x7'.split('')), maxLength: 6 });
  const value = fc.oneof(
    fc.uint8Array({ maxLength: 12 }),
    fc.array(text, { minLength: 1, maxLength: 4 }).map((l) => stringListValue(l)),
    fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 4 }).map((c) => cellsValue(c)),
    fc.uint8Array({ maxLength: 8 }).map((b) => Uint8Array.from([...b, 0])),
  );
  const propName = fc.stringMatching(/^[a-z#][a-z0-9,._+?#-]{0,10}$/).filter((n) => !['name', 'phandle', 'linux,phandle'].includes(n));
  const nodeName = fc.stringMatching(/^[a-z][a-z0-9,._+-]{0,8}(@[0-9a-f]{1,4})?$/);
  const node: fc.Memo<FdtNode> = fc.memo((n) =>
    fc.record({
      name: nodeName,
      properties: fc.uniqueArray(fc.record({ name: propName, value }), { maxLength: 5, selector: (p) => p.name }),
      children: n > 1 ? fc.uniqueArray(node(n - 1), { maxLength: 3, selector: (c) => c.name }) : fc.constant([]),
    }),
  );
  const tree: fc.Arbitrary<FdtTree> = fc.record({
    version: fc.constant(17),
    lastCompVersion: fc.constant(16),
    bootCpuidPhys: fc.constant(0),
    reservations: fc.array(fc.record({ address: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), size: fc.bigInt({ min: 1n, max: (1n << 64n) - 1n }) }), { maxLength: 2 }),
    root: node(3).map((r) => ({ ...r, name: '' })),
  });

  it('dtc compiles toDts(tree) to encodeFdt(tree), for 150 random trees', async () => {
    const trees = fc.sample(tree, { seed: 0x0fd7, numRuns: 150 });
    for (const [i, t] of trees.entries()) {
      const back = await compile(toDts(t), `random${i}`, ['-f']);
      expect(back, toDts(t)).toEqual(encodeFdt(t));
    }
  });
});

describe('live QEMU device trees (skipped without qemu-system-arm/-misc)', () => {
  const configs: [string, string[], number, bigint][] = [
    ['qemu-system-aarch64', ['-machine', 'virt', '-cpu', 'cortex-a53', '-smp', '2', '-m', '512M'], 2, 512n << 20n],
    ['qemu-system-aarch64', ['-machine', 'virt,gic-version=3', '-cpu', 'max', '-smp', '6', '-m', '3G'], 6, 3n << 30n],
    ['qemu-system-riscv64', ['-machine', 'virt', '-smp', '1', '-m', '64M'], 1, 64n << 20n],
    ['qemu-system-riscv64', ['-machine', 'virt', '-smp', '4', '-m', '4G'], 4, 4n << 30n],
  ];
  for (const [qemu, args, cpus, ram] of configs) {
    it(`${qemu} ${args.join(' ')}`, async (ctx) => {
      const which = await run('which', [qemu]);
      if (which.code !== 0) ctx.skip();
      const file = join(dir, `live-${cpus}-${ram}.dtb`);
      await run('timeout', ['60', qemu, ...args, '-display', 'none', '-nodefaults', '-machine', `dumpdtb=${file}`]);
      const bytes = new Uint8Array(readFileSync(file));
      expect(fdtCheckFull(bytes)).toBe(true);
      const fdt = openFdt(bytes);
      expect(fdt.memory().reduce((a, r) => a + r.size, 0n)).toBe(ram);
      const cpuNodes = fdt.subnodes(fdt.pathOffset('/cpus') as number).filter((o) => fdt.getString(o, 'device_type') === 'cpu');
      expect(cpuNodes).toHaveLength(cpus);
      const tree = decodeFdt(bytes);
      const out = join(dir, `live-${cpus}-${ram}.dtc.dtb`);
      await runOk('timeout', ['60', 'dtc', '-q', '-I', 'dtb', '-O', 'dtb', '-o', out, file]);
      expect(encodeFdt(tree)).toEqual(new Uint8Array(readFileSync(out)));
      expect(await compile(toDts(tree), `live-${cpus}-${ram}`)).toEqual(encodeFdt(tree));
    });
  }
});

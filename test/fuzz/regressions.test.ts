/**
 * Every input the fuzzer once broke a module with, kept in
 * `test/fixtures/fuzz/<target>-<n>.bin` (target name with `/` as `-`), run
 * through its target again: the invariants must hold now. What each one
 * broke is in test/fixtures/fuzz/README.md; some also get a direct check here.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BootprotoError } from '../../src/core/index.js';
import { readNumber } from '../../src/fdt/index.js';
import { addSections, decodePeImage, replaceSection } from '../../src/pecoff/index.js';
import { checkOne, inputAt, runTarget, type Target } from './harness.js';
import { ALL_TARGETS, checkCli } from './cli-targets.js';
import { SAMPLES } from './cli-run.js';

const dir = new URL('../fixtures/fuzz/', import.meta.url);
const files = readdirSync(dir).filter((f) => f.endsWith('.bin')).sort();
const bytes = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(name, dir)));

describe('fuzz regressions', () => {
  it('every kept input names a target', () => {
    for (const f of files) expect(ALL_TARGETS.some((t) => f.startsWith(`${t.name.replace('/', '-')}-`)), f).toBe(true);
  });
  for (const f of files) {
    const target = ALL_TARGETS.find((t) => f.startsWith(`${t.name.replace('/', '-')}-`));
    if (!target) continue;
    it(`${f} through ${target.name}: the invariants hold`, () => {
      expect(checkOne(target, bytes(f), { seed: 0, maxMs: 2000, checkHeap: true })).toBeUndefined();
    });
  }

  it('fdt-values-1: readNumber past the value is BAD_VALUE, not a RangeError', () => {
    expect(() => readNumber(bytes('fdt-values-1.bin'), 1, 2)).toThrow(BootprotoError);
    expect(() => readNumber(new Uint8Array(8), 0, 3)).toThrow(/past the value/);
    expect(readNumber(new Uint8Array([0, 0, 0, 1, 0, 0, 0, 2]), 0, 2)).toBe(0x100000002n);
  });

  it('pecoff-write-1…4: the writers refuse an image they cannot lay out within bounds', () => {
    const data = new Uint8Array(100);
    expect(() => replaceSection(bytes('pecoff-write-1.bin'), '.text', data)).toThrow(BootprotoError);
    for (const n of [2, 3, 4]) {
      const f = bytes(`pecoff-write-${n}.bin`);
      expect(() => addSections(f, [{ name: '.fuzz', data }]), `pecoff-write-${n}`).toThrow(BootprotoError);
    }
    expect(() => addSections(bytes('pecoff-write-2.bin'), [{ name: '.fuzz', data }])).toThrow(/FileAlignment/);
  });

  it('pecoff-write-5: addSections leaves headers alone when the debug directory claims to lie in them', () => {
    const out = addSections(bytes('pecoff-write-5.bin'), [{ name: '.fuzz', data: new Uint8Array(100) }]);
    expect(() => decodePeImage(out)).not.toThrow();
  });

  it('pecoff-replace-5: a section moved to the end goes after the raw data, not at a SizeOfHeaders past it, and the COFF tables follow it', () => {
    const out = replaceSection(bytes('pecoff-replace-5.bin'), '.sbat', new Uint8Array(5000).fill(0x5a), { allowMove: true });
    const im = decodePeImage(out);
    expect(im.sections.find((s) => s.rawName === '/4')?.resolvedName).toBe('.bootproto_long');
    const sbat = im.sections.find((s) => s.resolvedName === '.sbat')!;
    expect(im.fileHeader.pointerToSymbolTable).toBeGreaterThanOrEqual(sbat.pointerToRawData + sbat.sizeOfRawData);
  });

  it('pecoff-replace-6: growing a section in place leaves its new data alone when a debug directory claims to run into it', () => {
    const data = new Uint8Array(5000).fill(0x5a);
    const out = replaceSection(bytes('pecoff-replace-6.bin'), '.edata', data);
    expect(decodePeImage(out).sections.find((s) => s.resolvedName === '.edata')!.data.subarray(0, data.length)).toEqual(data);
  });

  it('cli-args-1: --json as the value of an option before it is not the flag (the harness asked for JSON there)', () => {
    expect(() => checkCli(['samples', '--desc-size', '--json', `${SAMPLES}manifest.json`])).not.toThrow();
    expect(() => checkCli(['samples', '--json', `${SAMPLES}manifest.json`])).not.toThrow();
    expect(() => checkCli(['inspect', '--as', 'efi-memmap', '--desc-size', '--json', 'x.bin'])).not.toThrow();
  });

  it('cli-main-1: a 17 MiB PE file whose header claims 32768 sections: read in slices and printed, exit 0, heap bounded by the file', () => {
    const target = ALL_TARGETS.find((t) => t.name === 'cli/main')!;
    const input = bytes('cli-main-1.bin');
    expect(target.allocExtra?.(input)).toBe(4 * 17 * 1024 * 1024);
    expect(checkOne(target, input, { seed: 0, maxMs: 5000, checkHeap: true })).toBeUndefined();
  });

  it('cli-main-2: the time bound of an input that may run as a 17 MiB file counts the file', () => {
    const target = ALL_TARGETS.find((t) => t.name === 'cli/main')!;
    expect(target.msExtra?.(bytes('cli-main-2.bin'))).toBeCloseTo((60 * 17 * 1024 * 1024) / 1e6);
    expect(target.msExtra?.(bytes('pecoff-replace-5.bin').subarray(0, 64))).toBe(0);
  });

  it('--replay rebuilds the very input a run made at an index', () => {
    const seen: Uint8Array[] = [];
    const recorder: Target = { name: 'test/recorder', seeds: () => [new Uint8Array([1, 2, 3, 4]), new Uint8Array(64)], run: (b) => void seen.push(b) };
    runTarget(recorder, { seed: 42, count: 50 });
    // Seeds are reported as index -1, -2, …; mutated inputs by their place in the run.
    expect(inputAt(recorder, 42, -1)).toEqual(seen[0]);
    expect(inputAt(recorder, 42, -2)).toEqual(seen[1]);
    for (const i of [2, 3, 17, 49]) expect(inputAt(recorder, 42, i)).toEqual(seen[i]);
  });
});


/**
 * The re-pointable header views (issue 10): a PeHeaderView reads what
 * decodePeImage decodes, follows the image it is pointed at, throws what
 * locatePeHeaders throws (and then stays on the previous image), and on the
 * reuse path allocates nothing per parse (the allocation guard of DESIGN §4,
 * measured as test/alloc-guards.test.ts does: minor GC, heapUsed deltas,
 * windows in which V8 collected set aside; no timing).
 */
import v8 from 'node:v8';
import { describe, expect, it } from 'vitest';
import { BootprotoError } from '../../src/core/index.js';
import { PeHeaderView, decodePeImage, locatePeHeaders, viewPeHeaders } from '../../src/pecoff/index.js';
import { FIXTURES, fixture } from './helpers.js';

/** The numeric header and section fields the views and the decoder both give. */
function viaView(v: PeHeaderView): unknown {
  const o = v.optionalHeader64 ?? v.optionalHeader32;
  return {
    dos: v.dosHeader.decode(),
    file: v.fileHeader.decode(),
    optional: o?.decode(),
    dirs: v.dataDirectories.decodeAll().map((d) => [d.virtualAddress, d.size]),
    sections: v.sections.decodeAll(),
  };
}
function viaDecoder(bytes: Uint8Array): unknown {
  const im = decodePeImage(bytes);
  return {
    dos: im.dosHeader,
    file: im.fileHeader,
    optional: im.optionalHeader,
    dirs: im.dataDirectories.map((d) => [d.virtualAddress, d.size]),
    sections: im.sections.map((s) => ({
      name: s.name,
      virtualSize: s.virtualSize,
      virtualAddress: s.virtualAddress,
      sizeOfRawData: s.sizeOfRawData,
      pointerToRawData: s.pointerToRawData,
      pointerToRelocations: s.pointerToRelocations,
      pointerToLinenumbers: s.pointerToLinenumbers,
      numberOfRelocations: s.numberOfRelocations,
      numberOfLinenumbers: s.numberOfLinenumbers,
      characteristics: s.characteristics,
    })),
  };
}

describe('PeHeaderView', () => {
  it('one view pointed at every fixture in turn reads what decodePeImage decodes', () => {
    const images = FIXTURES.map((name) => fixture(name));
    const view = new PeHeaderView(images[0] as Uint8Array);
    for (const bytes of [...images, ...images.reverse()]) {
      expect(viewPeHeaders(bytes, view)).toBe(view);
      expect(view.bytes).toBe(bytes);
      expect(view.locations).toEqual(locatePeHeaders(bytes));
      expect(viaView(view)).toEqual(viaDecoder(bytes));
      // The per-call views agree.
      const fresh = viewPeHeaders(bytes);
      expect(fresh.sections.count).toBe(view.sections.count);
      expect(fresh.fileHeader.timeDateStamp).toBe(view.fileHeader.timeDateStamp);
    }
  });

  it('PE32 and PE32+ switch the optional header view', () => {
    const view = new PeHeaderView(fixture('app64.efi'));
    expect(view.optionalHeader64?.magic).toBe(0x20b);
    expect(view.optionalHeader32).toBeUndefined();
    view.point(fixture('app32.efi'));
    expect(view.optionalHeader32?.magic).toBe(0x10b);
    expect(view.optionalHeader64).toBeUndefined();
  });

  it('works on a subarray of a larger buffer (offsets from the subarray)', () => {
    const bytes = fixture('uki-objcopy.efi');
    const padded = new Uint8Array(bytes.length + 100);
    padded.set(bytes, 37);
    const sub = padded.subarray(37, 37 + bytes.length);
    const view = new PeHeaderView(bytes);
    view.point(sub);
    expect(viaView(view)).toEqual(viaDecoder(bytes));
    expect(view.sections.get(0).byteOffset).toBe(locatePeHeaders(bytes).sectionTableOffset);
  });

  it('throws what locatePeHeaders throws and stays on the previous image', () => {
    const good = fixture('app64.efi');
    const view = new PeHeaderView(good);
    const before = viaView(view);
    const at = locatePeHeaders(good);
    const cases: Uint8Array[] = [new Uint8Array(10), good.subarray(0, 100), good.subarray(0, at.sectionTableOffset + 10)];
    const noMz = good.slice();
    noMz[0] = 0;
    const badMagic = good.slice();
    badMagic[at.optionalHeaderOffset] = 0x77;
    const badLfanew = good.slice();
    new DataView(badLfanew.buffer).setUint32(60, 0xfffffff0, true);
    const noPe = good.slice();
    noPe[at.peOffset] = 0x51;
    const smallOptional = good.slice();
    new DataView(smallOptional.buffer).setUint16(at.peOffset + 20, 100, true);
    cases.push(noMz, badMagic, badLfanew, noPe, smallOptional);
    for (const bytes of cases) {
      let expected: BootprotoError | undefined;
      try {
        locatePeHeaders(bytes);
      } catch (e) {
        expected = e as BootprotoError;
      }
      expect(expected).toBeInstanceOf(BootprotoError);
      let got: unknown;
      try {
        view.point(bytes);
      } catch (e) {
        got = e;
      }
      expect(got).toBeInstanceOf(BootprotoError);
      expect((got as BootprotoError).code).toBe(expected?.code);
      expect((got as BootprotoError).message).toBe(expected?.message);
      expect(view.bytes).toBe(good);
      expect(viaView(view)).toEqual(before);
    }
  });

  it('a table index outside the table is an OUT_OF_BOUNDS BootprotoError', () => {
    const view = new PeHeaderView(fixture('app64.efi'));
    for (const i of [-1, view.sections.count, 0.5, Number.NaN]) {
      expect(() => view.sections.get(i)).toThrow(BootprotoError);
    }
  });

  const gc = (globalThis as { gc?: (options?: { type?: 'major' | 'minor' }) => void }).gc;
  it.runIf(gc !== undefined)('the reuse path allocates nothing per parse (two images in turn)', () => {
    const a = fixture('uki-objcopy.efi');
    const b = fixture('app64.efi');
    const view = new PeHeaderView(a);
    const sink = new Float64Array(1); // a captured `let` would box every sum
    const parse = (bytes: Uint8Array): void => {
      const v = viewPeHeaders(bytes, view);
      const f = v.fileHeader;
      const o = v.optionalHeader64 ?? v.optionalHeader32;
      let s = f.machine + f.numberOfSections + f.timeDateStamp + (o === undefined ? 0 : o.sizeOfImage + o.checkSum + o.numberOfRvaAndSizes);
      const t = v.sections;
      for (let i = 0; i < t.count; i++) {
        const h = t.get(i);
        s += h.virtualSize + h.virtualAddress + h.sizeOfRawData + h.pointerToRawData + h.characteristics;
      }
      const d = v.dataDirectories;
      for (let i = 0; i < d.count; i++) s += d.get(i).size;
      sink[0] = (sink[0] as number) + s;
    };
    const PARSES = 10_000;
    const steps = (): void => {
      for (let i = 0; i < PARSES; i++) parse(i & 1 ? b : a);
    };
    for (let i = 0; i < 50; i++) steps(); // optimised first
    const windows = (fn: () => void): number[] => {
      const clean: number[] = [];
      for (let w = 0; w < 10; w++) {
        gc?.({ type: 'minor' });
        const profiler = new v8.GCProfiler();
        profiler.start();
        const before = process.memoryUsage().heapUsed;
        fn();
        const after = process.memoryUsage().heapUsed;
        const gcs = profiler.stop()?.statistics.length ?? 0;
        if (gcs === 0 && after >= before) clean.push(after - before);
      }
      return clean;
    };
    const empty = windows(() => undefined);
    const full = windows(steps);
    expect(full.length).toBeGreaterThan(0);
    const perParse = Math.max(0, Math.min(...full) - Math.min(...empty)) / PARSES;
    expect(perParse).toBeLessThan(0.25);
    expect(sink[0]).toBeGreaterThan(0);
    // The per-call path allocates (views made for each call): the guard sees allocation when there is some.
    const perCall = windows(() => {
      for (let i = 0; i < 1000; i++) sink[0] = (sink[0] as number) + viewPeHeaders(i & 1 ? b : a).sections.count;
    });
    expect(Math.min(...perCall) / 1000).toBeGreaterThan(16);
  });
});

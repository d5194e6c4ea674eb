/**
 * Allocation guard (DESIGN §4): walking the section table and the base
 * relocations through views allocates nothing per entry; the decoded path
 * is measured the same way to show the guard sees allocation when there is some.
 */
import { describe, expect, it } from 'vitest';
import { addSections, decodePeImage, forEachBaseRelocation, viewPeHeaders } from '../../src/pecoff/index.js';
import { fixture } from './helpers.js';

const gc = (globalThis as { gc?: () => void }).gc;
const N = 60;
const bytes = addSections(
  fixture('app64.efi'),
  Array.from({ length: N }, (_, i) => ({ name: `.s${i}`, data: new Uint8Array(16).fill(i) })),
);
const views = viewPeHeaders(bytes);
const image = decodePeImage(bytes);

function walk(): number {
  const t = views.sections;
  let sum = 0;
  for (let i = 0; i < t.count; i++) {
    const s = t.get(i);
    sum += s.virtualAddress + s.sizeOfRawData + (s.characteristics & 0xff);
  }
  return sum;
}

let relocSum = 0;
const visit = (type: number, rva: number): void => {
  relocSum += type + rva;
};

function bytesPerCall(fn: () => number, calls: number, windows = 8): number {
  let sink = 0;
  for (let i = 0; i < calls; i++) sink += fn();
  let best = Number.POSITIVE_INFINITY;
  for (let w = 0; w < windows; w++) {
    gc?.();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < calls; i++) sink += fn();
    const after = process.memoryUsage().heapUsed;
    if (after >= before) best = Math.min(best, (after - before) / calls);
  }
  expect(sink).not.toBe(0.5);
  return best;
}

describe('allocation', () => {
  it.runIf(gc !== undefined)('a section-table walk through the view allocates nothing per section', () => {
    const perWalk = bytesPerCall(walk, 2000);
    expect(perWalk / views.sections.count).toBeLessThan(0.5);
    const perDecode = bytesPerCall(() => decodePeImage(bytes).sections.length, 20, 3);
    expect(perDecode / views.sections.count).toBeGreaterThan(40);
  });
  it.runIf(gc !== undefined)('forEachBaseRelocation allocates nothing per entry', () => {
    const per = bytesPerCall(() => forEachBaseRelocation(image, visit), 5000);
    expect(per).toBeLessThan(64);
    expect(relocSum).toBeGreaterThan(0);
  });
});

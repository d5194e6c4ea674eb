/**
 * The devicetree module in Chromium: no Node APIs. Fixtures come through
 * Vite `?url` and fetch (Vite's server does not hand `.gz` files to fetch, so
 * the QEMU blobs stay in the node project).
 */
import { describe, expect, it } from 'vitest';
import featuresUrl from '../fixtures/fdt/features.dtb?url';
import oldUrl from '../fixtures/fdt/features-v2.dtb?url';
import { FDT_END, decodeFdt, dts, encodeFdt, fdtCursor, openFdt, validateFdt } from '../../src/fdt/index.js';

async function load(url: string): Promise<Uint8Array> {
  return new Uint8Array(await (await fetch(url)).arrayBuffer());
}

// The node project's glob also matches this file: it runs only in a browser.
describe.skipIf(typeof window === 'undefined')('fdt in the browser', () => {
  it('walks, looks up, round-trips and prints a dtc blob', async () => {
    const blob = await load(featuresUrl);
    const fdt = openFdt(blob);
    expect(fdt.nodePath(fdt.pathOffset('serial0') as number)).toBe('/soc/uart@9000000');
    expect(fdt.chosen()?.bootargs).toBe('console=ttyAMA0 root=/dev/vda rw');
    expect(encodeFdt(decodeFdt(blob))).toEqual(blob);
    expect(dts(blob)).toContain('nul-digit = "a", "1", "x";');
    expect(validateFdt(blob).filter((p) => p.severity === 'error')).toEqual([]);
  });

  it('reads a version 2 blob (full-path names, realigned values)', async () => {
    const blob = await load(oldUrl);
    const c = fdtCursor(blob);
    let n = 0;
    while (c.next() !== FDT_END) n++;
    expect(n).toBeGreaterThan(100);
    expect(openFdt(blob).memory()).toEqual([
      { address: 0x40000000n, size: 0x8000000n },
      { address: 0x100000000n, size: 0x10000000n },
    ]);
  });
});

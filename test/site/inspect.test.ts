// The inspector page's model (site/inspect.ts): every sample decodes to a
// tree whose nodes point at bytes inside the file, and a byte leads back to
// the field that holds it.
import { describe, expect, it } from 'vitest';
import { inspectFile, nodeAt, type AsHint, type Node } from '../../site/inspect.js';
import { readBytes, readText } from '../helpers/files.js';

const SAMPLES = 'samples';
const FIXTURES = 'test/fixtures';
const join = (dir: string, file: string): string => `${dir}/${file}`;
const read = (p: string): Uint8Array => readBytes(p);

interface Sample {
  title: string;
  args: string[];
}

function allNodes(nodes: readonly Node[]): Node[] {
  return nodes.flatMap((n) => [n, ...allNodes(n.children ?? [])]);
}

/** The sample's file and hint, read as the page reads them. */
function load(s: Sample): { bytes: Uint8Array; hint?: AsHint } {
  const a = s.args;
  const opt = (name: string): string | undefined => {
    const i = a.indexOf(name);
    return i >= 0 ? a[i + 1] : undefined;
  };
  const as = opt('--as');
  const at = opt('--at');
  const loads = a.flatMap((x, i) => (a[i - 1] === '--load' ? [x] : []));
  if (loads.length > 0 && as !== undefined && at !== undefined) {
    const regions = loads.map((l) => {
      const k = l.lastIndexOf('@');
      return { paddr: BigInt(l.slice(k + 1)), bytes: read(join(SAMPLES, l.slice(0, k))), label: l };
    });
    const main = regions.find((r) => r.paddr === BigInt(at)) ?? regions[0]!;
    return { bytes: main.bytes, hint: { as, paddr: main.paddr, regions: regions.filter((r) => r !== main) } };
  }
  const file = a[a.length - 1]!;
  const desc = opt('--desc-size');
  return { bytes: read(join(SAMPLES, file)), hint: as === undefined ? undefined : { as, params: desc === undefined ? {} : { 'desc-size': desc } } };
}

describe('inspector model', () => {
  const samples = JSON.parse(readText(join(SAMPLES, 'manifest.json'))) as Sample[];
  it.each(samples.map((s) => [s.title, s] as const))('%s', (_title, s) => {
    const { bytes, hint } = load(s);
    const r = inspectFile(bytes, hint);
    expect(r.tree.length).toBeGreaterThan(0);
    const located = allNodes(r.tree).filter((n) => n.offset !== undefined);
    expect(located.length).toBeGreaterThan(1);
    for (const n of located) {
      expect(n.offset).toBeGreaterThanOrEqual(0);
      expect(n.offset! + (n.size ?? 0)).toBeLessThanOrEqual(bytes.length);
    }
    // A leaf's first byte leads back to that leaf (or a smaller field inside it).
    const leaf = located.find((n) => n.children === undefined && (n.size ?? 0) > 0)!;
    const path = nodeAt(r.tree, leaf.offset!)!;
    expect(path[path.length - 1]!.size).toBeLessThanOrEqual(leaf.size!);
  });

  it('shows a DTB header field at its offset', () => {
    const r = inspectFile(read(join(SAMPLES, 'fdt/qemu-aarch64-virt.dtb')));
    expect(r.format).toBe('fdt');
    const totalsize = allNodes(r.tree).find((n) => n.label === 'totalsize')!;
    expect(totalsize).toMatchObject({ offset: 4, size: 4 });
    expect(r.problems.filter((p) => p.severity === 'error')).toEqual([]);
  });

  it('shows a bzImage setup header and the EFI stub', () => {
    const r = inspectFile(read(join(FIXTURES, 'linux-bootparams/vmlinuz-head.bin')));
    expect(r.format).toBe('bzimage');
    const nodes = allNodes(r.tree);
    expect(nodes.find((n) => n.label === 'header')).toMatchObject({ offset: 0x202, size: 4 });
    expect(nodes.some((n) => n.label === 'IMAGE_FILE_HEADER')).toBe(true);
  });

  it('lists the problems of a damaged file with offsets, and never throws', () => {
    const dtb = read(join(FIXTURES, 'fdt/features.dtb'));
    const r = inspectFile(dtb.subarray(0, 120)); // totalsize says more
    expect(r.format).toBe('fdt');
    expect(r.problems.some((p) => p.severity === 'error')).toBe(true);
    const bytes = read(join(FIXTURES, 'pecoff/app64.efi'));
    for (let i = 0; i < 200; i++) {
      const m = bytes.slice(0, 1024 + i * 7);
      m[(i * 37) % m.length] = (m[(i * 37) % m.length] ?? 0) ^ 0xff;
      expect(() => inspectFile(m)).not.toThrow();
    }
  });
});

// Slice readers (src/core/source.ts): bounded reads, short reads as
// TRUNCATED BootprotoErrors, sync and async sources, Blob-like sources, the
// counting wrapper and the read-plan runners.
import { describe, expect, it } from 'vitest';
import {
  BootprotoError,
  MAX_SOURCE_READ,
  blobSource,
  bytesSource,
  countingSource,
  readSource,
  readSourceSync,
  runReadPlan,
  runReadPlanSync,
  type ByteSource,
  type ReadPlan,
  type SourceReadContext,
  type SyncByteSource,
} from '../../src/core/index.js';

const what: SourceReadContext = { format: 'pecoff', structure: 'test' };
const data = Uint8Array.from({ length: 1000 }, (_, i) => i & 0xff);

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(BootprotoError);
    return (e as BootprotoError).code;
  }
  return undefined;
}
async function asyncCodeOf(run: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await run();
  } catch (e) {
    expect(e).toBeInstanceOf(BootprotoError);
    return (e as BootprotoError).code;
  }
  return undefined;
}

describe('slice readers', () => {
  it('bytesSource reads subarrays of the caller\'s bytes (no copy)', () => {
    const s = bytesSource(data);
    expect(s.size).toBe(1000);
    const got = readSourceSync(s, 10, 5, what);
    expect([...got]).toEqual([10, 11, 12, 13, 14]);
    expect(got.buffer).toBe(data.buffer);
    expect(readSourceSync(s, 1000, 0, what).length).toBe(0);
  });

  it('refuses reads outside the source, of bad shape, or above the bound, before reading', () => {
    const s = countingSource(bytesSource(data));
    expect(codeOf(() => readSourceSync(s, 999, 2, what))).toBe('TRUNCATED');
    expect(codeOf(() => readSourceSync(s, 1001, 0, what))).toBe('TRUNCATED');
    expect(codeOf(() => readSourceSync(s, -1, 2, what))).toBe('OUT_OF_BOUNDS');
    expect(codeOf(() => readSourceSync(s, 0.5, 2, what))).toBe('OUT_OF_BOUNDS');
    expect(codeOf(() => readSourceSync(s, 0, Number.NaN, what))).toBe('OUT_OF_BOUNDS');
    const huge: SyncByteSource = { size: 2 ** 40, read: () => new Uint8Array(0) };
    expect(codeOf(() => readSourceSync(huge, 0, MAX_SOURCE_READ + 1, what))).toBe('LIMIT');
    const badSize: SyncByteSource = { size: Number.NaN, read: () => new Uint8Array(0) };
    expect(codeOf(() => readSourceSync(badSize, 0, 1, what))).toBe('BAD_VALUE');
    expect(s.reads).toBe(0);
  });

  it('a short read is TRUNCATED; a long one is cut; a non-array is BAD_VALUE', async () => {
    const short: SyncByteSource = { size: 100, read: (_o, n) => new Uint8Array(Math.max(0, n - 1)) };
    const long: SyncByteSource = { size: 100, read: (_o, n) => new Uint8Array(n + 7) };
    const wrong = { size: 100, read: () => [1, 2, 3] } as unknown as SyncByteSource;
    expect(codeOf(() => readSourceSync(short, 0, 10, what))).toBe('TRUNCATED');
    expect(readSourceSync(long, 0, 10, what).length).toBe(10);
    expect(codeOf(() => readSourceSync(wrong, 0, 3, what))).toBe('BAD_VALUE');
    expect(await asyncCodeOf(() => readSource(short, 0, 10, what))).toBe('TRUNCATED');
    const error = (() => {
      try {
        readSourceSync(short, 40, 10, { format: 'linux', structure: 'kernel_info', field: 'size_total' });
      } catch (e) {
        return e as BootprotoError;
      }
      return undefined;
    })();
    expect(error?.message).toContain('kernel_info');
    expect(error?.message).toContain('short read: 9 of 10 bytes at 40');
  });

  it('the sync reader refuses an asynchronous source; the async one takes both', async () => {
    const asyncSource: ByteSource = { size: data.length, read: async (o, n) => data.slice(o, o + n) };
    expect(codeOf(() => readSourceSync(asyncSource as SyncByteSource, 0, 4, what))).toBe('BAD_VALUE');
    expect([...(await readSource(asyncSource, 4, 3, what))]).toEqual([4, 5, 6]);
    expect([...(await readSource(bytesSource(data), 4, 3, what))]).toEqual([4, 5, 6]);
  });

  it('blobSource reads slices of a Blob', async () => {
    const blob = new Blob([data]);
    const s = countingSource(blobSource(blob));
    expect(s.size).toBe(1000);
    expect([...(await readSource(s, 998, 2, what))]).toEqual([998 & 0xff, 999 & 0xff]);
    expect(s.bytesRead).toBe(2);
    expect(s.reads).toBe(1);
  });

  it('runs one read plan against sync and async sources alike', async () => {
    function* plan(size: number): ReadPlan<number> {
      const a = yield { offset: 0, length: 4, what };
      const b = yield { offset: size - (a[3] as number), length: 2, what };
      return (b[0] as number) + (b[1] as number);
    }
    const sync = countingSource(bytesSource(data));
    expect(runReadPlanSync(sync, plan(sync.size))).toBe((997 & 0xff) + (998 & 0xff));
    expect(sync.bytesRead).toBe(6);
    const asyncSource: ByteSource = { size: data.length, read: (o, n) => Promise.resolve(data.subarray(o, o + n)) };
    expect(await runReadPlan(asyncSource, plan(asyncSource.size))).toBe((997 & 0xff) + (998 & 0xff));
  });
});

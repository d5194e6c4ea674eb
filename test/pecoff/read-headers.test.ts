/**
 * Header readers over slice readers (issue 10: "inspecting the headers of a
 * 40 MB kernel image reads only the bytes it needs"): readPeHeaders and
 * linux-bootparams' readBzImageHeaders give what the whole-file functions
 * give, read a few KiB, and fail as the whole-file functions fail. The
 * kernel is the committed sample head of Debian's vmlinuz, padded.
 */
import { describe, expect, it } from 'vitest';
import { BootprotoError, bytesSource, countingSource, type ByteSource, type SyncByteSource } from '../../src/core/index.js';
import { inspectBzImage, readBzImageHeaders, readBzImageHeadersSync } from '../../src/linux-bootparams/index.js';
import { MAX_PE_HEADERS_READ, locatePeHeaders, readPeHeaders, readPeHeadersSync, viewPeHeaders } from '../../src/pecoff/index.js';
import { readBytes } from '../helpers/files.js';
import { FIXTURES, fixture } from './helpers.js';

const KERNEL_HEAD = readBytes('samples/linux/vmlinuz-head.bin');

/** A source of `size` bytes: `head`, then zeros (a large file without the memory). */
function paddedSource(head: Uint8Array, size: number): SyncByteSource {
  return {
    size,
    read(offset: number, length: number): Uint8Array {
      const out = new Uint8Array(Math.max(0, Math.min(length, size - offset)));
      if (offset < head.length) out.set(head.subarray(offset, Math.min(head.length, offset + out.length)));
      return out;
    },
  };
}
const asAsync = (s: SyncByteSource): ByteSource => ({ size: s.size, read: async (o, n) => s.read(o, n) });

function thrown(run: () => unknown): BootprotoError | undefined {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(BootprotoError);
    return e as BootprotoError;
  }
  return undefined;
}

describe('readPeHeaders', () => {
  it('reads the headers and section table of every fixture from its first bytes', async () => {
    for (const name of FIXTURES) {
      const bytes = fixture(name);
      const at = locatePeHeaders(bytes);
      const tableEnd = at.sectionTableOffset + at.numberOfSections * 40;
      const source = countingSource(bytesSource(bytes));
      const got = readPeHeadersSync(source);
      expect(got.size).toBe(bytes.length);
      expect(got.headers.length).toBeGreaterThanOrEqual(tableEnd);
      expect(source.bytesRead).toBe(Math.max(tableEnd, Math.min(1024, bytes.length)));
      const whole = viewPeHeaders(bytes);
      expect(got.view.locations).toEqual(whole.locations);
      expect(got.view.sections.decodeAll()).toEqual(whole.sections.decodeAll());
      expect(got.view.fileHeader.decode()).toEqual(whole.fileHeader.decode());
      const viaAsync = await readPeHeaders(asAsync(bytesSource(bytes)));
      expect(viaAsync.view.sections.decodeAll()).toEqual(whole.sections.decodeAll());
    }
  });

  it('a section table past the first KiB takes one more read, of the missing bytes only', () => {
    const bytes = fixture('app64.efi');
    const at = locatePeHeaders(bytes);
    // Move the headers 4 KiB down: e_lfanew + 4096, the DOS stub padded with zeros.
    const moved = new Uint8Array(bytes.length + 4096);
    moved.set(bytes.subarray(0, 64));
    moved.set(bytes.subarray(at.peOffset), at.peOffset + 4096);
    new DataView(moved.buffer).setUint32(60, at.peOffset + 4096, true);
    const source = countingSource(bytesSource(moved));
    const got = readPeHeadersSync(source);
    expect(source.reads).toBe(3); // 1 KiB, then the COFF header, then the rest of the table
    expect(source.bytesRead).toBe(at.sectionTableOffset + 4096 + at.numberOfSections * 40);
    expect(got.view.sections.count).toBe(at.numberOfSections);
  });

  it('fails as viewPeHeaders fails on the whole file, and never reads by an unbounded e_lfanew', async () => {
    const bytes = fixture('uki-objcopy.efi');
    const at = locatePeHeaders(bytes);
    const cases = [bytes.subarray(0, 10), bytes.subarray(0, at.peOffset + 10), bytes.subarray(0, at.sectionTableOffset + 20)];
    const noMz = bytes.slice();
    noMz[1] = 0;
    cases.push(noMz);
    for (const b of cases) {
      const expected = thrown(() => viewPeHeaders(b));
      const got = thrown(() => readPeHeadersSync(bytesSource(b)));
      expect(got?.code).toBe(expected?.code);
      expect(got?.message).toBe(expected?.message);
    }
    const lfanew = bytes.slice(0, 64);
    new DataView(lfanew.buffer).setUint32(60, MAX_PE_HEADERS_READ + 100, true);
    const counted = countingSource(paddedSource(lfanew, 2 ** 33));
    expect(thrown(() => readPeHeadersSync(counted))?.code).toBe('LIMIT');
    expect(counted.bytesRead).toBe(1024);
    // A source that returns less than it promised.
    const short: SyncByteSource = { size: bytes.length, read: (o, n) => bytes.subarray(o, o + n - 1) };
    expect(thrown(() => readPeHeadersSync(short))?.code).toBe('TRUNCATED');
    await expect(readPeHeaders(asAsync(short))).rejects.toBeInstanceOf(BootprotoError);
  });
});

describe('readBzImageHeaders', () => {
  it('reads a 40 MiB kernel image\'s headers from about 20 KiB of it', async () => {
    const size = 40 * 1024 * 1024;
    const source = countingSource(paddedSource(KERNEL_HEAD, size));
    const info = readBzImageHeadersSync(source);
    expect(info.protocolText).toBe('2.15');
    expect(info.kernelVersion).toMatch(/^6\.1\.0-/);
    expect(info.payload?.compression).toBe('xz');
    expect(info.payload?.complete).toBe(true);
    expect(info.peCoff).toEqual({ present: true, peOffset: 64 });
    expect(info.protectedModeSize).toBe(size - info.setupSize);
    // The real-mode part (20 KiB), 8 bytes of payload magic, kernel_info's 12-byte head (zeros here: a note).
    expect(source.bytesRead).toBe(info.setupSize + 8 + 12);
    expect(source.bytesRead).toBeLessThan(32 * 1024);
    expect(info.notes.some((n) => n.startsWith('kernel_info'))).toBe(true);
    expect(await readBzImageHeaders(asAsync(paddedSource(KERNEL_HEAD, size)))).toEqual(info);
  });

  it('gives what inspectBzImage gives on the whole file (the checksum when asked for, in bounded reads)', () => {
    for (const size of [KERNEL_HEAD.length, 9 * 1024 * 1024, 0x5000 + 0x52cc]) {
      const whole = paddedSource(KERNEL_HEAD, size).read(0, size);
      const expected = inspectBzImage(whole);
      const { checksum, ...rest } = expected;
      const got = readBzImageHeadersSync(bytesSource(whole));
      expect(got).toEqual(rest);
      const withChecksum = countingSource(bytesSource(whole));
      const full = readBzImageHeadersSync(withChecksum, { checksum: true });
      expect(full.checksum).toEqual(checksum);
      if (checksum !== undefined) expect(withChecksum.reads).toBeGreaterThan(Math.floor(checksum.covered / (1024 * 1024)));
    }
  });

  it('fails as inspectBzImage fails on a file too short for a setup header', () => {
    for (const n of [0, 0x100, 0x205]) {
      const b = KERNEL_HEAD.subarray(0, n);
      const expected = thrown(() => inspectBzImage(b));
      const got = thrown(() => readBzImageHeadersSync(bytesSource(b)));
      expect(got?.code).toBe(expected?.code);
      expect(got?.message).toBe(expected?.message);
    }
  });
});

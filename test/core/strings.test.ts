import { describe, expect, it } from 'vitest';
import { BootprotoError, createPhysicalMemory, encodeCString, readCString, readPhysCString } from '../../src/core/index.js';

const CTX = { format: 'pvh', structure: 'hvm_start_info', field: 'cmdline_paddr' } as const;
const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

describe('encodeCString', () => {
  it('encodes UTF-8 and a NUL', () => {
    expect([...encodeCString('a\u00e9')]).toEqual([0x61, 0xc3, 0xa9, 0]);
    expect([...encodeCString('')]).toEqual([0]);
  });
});

describe('readCString', () => {
  const b = ascii('xxhello\0world\0');

  it('reads up to the NUL, as a subarray of the input', () => {
    const s = readCString(b, 2, 100, CTX);
    expect(s).toMatchObject({ text: 'hello', validUtf8: true });
    expect(s.bytes.buffer).toBe(b.buffer);
    expect(s.bytes.byteOffset).toBe(2);
    expect(readCString(b, 8, 100, CTX).text).toBe('world');
    expect(readCString(b, 7, 100, CTX).text).toBe('');
  });

  it('looks at most maxLength bytes, the NUL included', () => {
    expect(readCString(b, 2, 6, CTX).text).toBe('hello'); // NUL is the 6th byte
    const e = thrown(() => readCString(b, 2, 5, CTX));
    expect(e).toBeInstanceOf(BootprotoError);
    expect(e).toMatchObject({ code: 'UNTERMINATED', format: 'pvh', structure: 'hvm_start_info', field: 'cmdline_paddr', offset: 2 });
    expect((e as Error).message).toMatch(/no NUL within 5 bytes \(bound 5\)/);
    expect(() => readCString(b, 2, 0, CTX)).toThrow(/UNTERMINATED/);
  });

  it('throws UNTERMINATED when the bytes end first, or the offset is outside them', () => {
    expect(thrown(() => readCString(ascii('abc'), 0, 100, CTX))).toMatchObject({ code: 'UNTERMINATED' });
    expect(thrown(() => readCString(b, b.length, 100, CTX))).toMatchObject({ code: 'UNTERMINATED' });
    expect(thrown(() => readCString(b, -1, 100, CTX))).toMatchObject({ code: 'UNTERMINATED' });
  });

  it('flags invalid UTF-8 and keeps the bytes', () => {
    const bad = new Uint8Array([0x61, 0xff, 0xc3, 0x62, 0]);
    const s = readCString(bad, 0, 10, CTX);
    expect(s.validUtf8).toBe(false);
    expect(s.text).toBe('a\ufffd\ufffdb');
    expect([...s.bytes]).toEqual([0x61, 0xff, 0xc3, 0x62]);
    const good = readCString(encodeCString('\u{1f600} \u00fc'), 0, 100, CTX);
    expect(good).toMatchObject({ text: '\u{1f600} \u00fc', validUtf8: true });
  });

  // Regression: TextDecoder strips a leading byte order mark unless told not to,
  // so a command line starting with U+FEFF came back without it.
  it('keeps a leading U+FEFF: the text gives the bytes back', () => {
    for (const text of ['\ufeffabc', '\ufeff', '\ufeff\ufeffx']) {
      const s = readCString(encodeCString(text), 0, 100, CTX);
      expect(s).toMatchObject({ text, validUtf8: true });
    }
    const invalid = readCString(new Uint8Array([0xef, 0xbb, 0xbf, 0xff, 0]), 0, 100, CTX);
    expect(invalid).toMatchObject({ text: '\ufeff\ufffd', validUtf8: false });
  });
});

describe('readPhysCString', () => {
  const memory = () =>
    createPhysicalMemory([
      { paddr: 0x1000n, bytes: ascii('console=') }, // continues in the adjacent region
      { paddr: 0x1008n, bytes: ascii('ttyS0\0zz') },
      { paddr: 0x2000n, bytes: ascii('abc') }, // no NUL before the end of memory
      { paddr: 0x3000n, bytes: new Uint8Array([0x80, 0]) },
    ]);

  it('reads a string that crosses adjacent regions', () => {
    expect(readPhysCString(memory(), 0x1000n, 100, CTX)).toMatchObject({ text: 'console=ttyS0', validUtf8: true });
    expect(readPhysCString(memory(), 0x1000, 14, CTX).text).toBe('console=ttyS0');
  });

  it('throws UNTERMINATED at the bound', () => {
    const e = thrown(() => readPhysCString(memory(), 0x1000n, 13, CTX));
    expect(e).toMatchObject({ code: 'UNTERMINATED', paddr: 0x1000n, field: 'cmdline_paddr' });
    expect((e as Error).message).toMatch(/no NUL within 13 bytes \(bound\)/);
  });

  // Regression: a bound of 0 used to read one byte past the bound and return ''.
  it('a bound of 0 (or less) finds no string even when a NUL follows', () => {
    const m = createPhysicalMemory([{ paddr: 0x1000n, bytes: new Uint8Array([0]) }]);
    expect(thrown(() => readPhysCString(m, 0x1000n, 0, CTX))).toMatchObject({ code: 'UNTERMINATED' });
    expect(thrown(() => readPhysCString(m, 0x1000n, -1, CTX))).toMatchObject({ code: 'UNTERMINATED' });
    expect(readPhysCString(m, 0x1000n, 1, CTX).text).toBe('');
  });

  it('throws UNTERMINATED when backed memory ends first, naming how much was backed', () => {
    const e = thrown(() => readPhysCString(memory(), 0x2000n, 100, CTX));
    expect(e).toMatchObject({ code: 'UNTERMINATED', paddr: 0x2000n });
    expect((e as Error).message).toMatch(/no NUL within the 3 backed bytes at 0x2000/);
  });

  it('throws UNMAPPED when the address is not backed', () => {
    expect(thrown(() => readPhysCString(memory(), 0x5000n, 100, CTX))).toMatchObject({
      code: 'UNMAPPED',
      paddr: 0x5000n,
      structure: 'hvm_start_info',
      field: 'cmdline_paddr',
    });
  });

  it('flags invalid UTF-8', () => {
    expect(readPhysCString(memory(), 0x3000n, 100, CTX)).toMatchObject({ text: '\ufffd', validUtf8: false });
  });

  it('keeps a leading U+FEFF', () => {
    const m = createPhysicalMemory([{ paddr: 0x1000n, bytes: encodeCString('\ufeffconsole=ttyS0') }]);
    expect(readPhysCString(m, 0x1000n, 100, CTX).text).toBe('\ufeffconsole=ttyS0');
  });
});

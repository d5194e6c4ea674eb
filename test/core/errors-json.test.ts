import { describe, expect, it } from 'vitest';
import {
  BootprotoError,
  bytesToHex,
  describeLocation,
  formatProblem,
  hasErrors,
  hex,
  jsonReplacer,
  problemFromError,
  toJson,
  type Problem,
} from '../../src/core/index.js';

describe('BootprotoError', () => {
  it('names format, structure, field, offset and code in its message', () => {
    const e = new BootprotoError({
      code: 'BAD_MAGIC',
      format: 'pvh',
      structure: 'hvm_start_info',
      field: 'magic',
      offset: 0,
      reason: '0x0 is not XEN_HVM_START_MAGIC_VALUE',
    });
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('BootprotoError');
    expect(e.message).toBe('pvh hvm_start_info.magic at offset 0: 0x0 is not XEN_HVM_START_MAGIC_VALUE [BAD_MAGIC]');
    expect(e).toMatchObject({ code: 'BAD_MAGIC', format: 'pvh', structure: 'hvm_start_info', field: 'magic', offset: 0, paddr: undefined });
    expect(e.reason).toBe('0x0 is not XEN_HVM_START_MAGIC_VALUE');
  });

  it('adds the physical address when there is one, and omits a missing field', () => {
    const e = new BootprotoError({ code: 'UNMAPPED', format: 'memory', structure: 'physical memory', offset: 12, paddr: 0x21e0n, reason: 'r' });
    expect(e.message).toBe('memory physical memory at offset 12, paddr 0x21e0: r [UNMAPPED]');
    expect(e.field).toBeUndefined();
    expect(describeLocation({ format: 'elf', structure: 'Elf_Nhdr', field: 'n_descsz', offset: 5 })).toBe('elf Elf_Nhdr.n_descsz at offset 5');
  });
});

describe('Problem', () => {
  it('problemFromError carries every location fact and leaves out the absent ones', () => {
    const withAll = problemFromError(
      new BootprotoError({ code: 'UNTERMINATED', format: 'pvh', structure: 'hvm_start_info', field: 'cmdline_paddr', offset: 0, paddr: 0x11c0n, reason: 'no NUL' }),
    );
    expect(withAll).toEqual({
      severity: 'error',
      code: 'UNTERMINATED',
      format: 'pvh',
      structure: 'hvm_start_info',
      field: 'cmdline_paddr',
      offset: 0,
      paddr: 0x11c0n,
      message: 'no NUL',
    });
    const bare = problemFromError(new BootprotoError({ code: 'TRUNCATED', format: 'elf', structure: 'Elf32_Ehdr', offset: 0, reason: 'short' }));
    expect(Object.keys(bare).sort()).toEqual(['code', 'format', 'message', 'offset', 'severity', 'structure']);
  });

  it('formatProblem and hasErrors', () => {
    const warning: Problem = { severity: 'warning', code: 'VERSION_NEWER', format: 'pvh', structure: 'hvm_start_info', field: 'version', offset: 4, message: 'newer' };
    const error: Problem = { ...warning, severity: 'error', code: 'BAD_MAGIC', field: 'magic', offset: 0, paddr: 0x1000n };
    expect(formatProblem(warning)).toBe('warning pvh hvm_start_info.version at offset 4: newer [VERSION_NEWER]');
    expect(formatProblem(error)).toBe('error pvh hvm_start_info.magic at offset 0, paddr 0x1000: newer [BAD_MAGIC]');
    expect(hasErrors([])).toBe(false);
    expect(hasErrors([warning])).toBe(false);
    expect(hasErrors([warning, error])).toBe(true);
  });
});

describe('json', () => {
  it('hex and bytesToHex', () => {
    expect(hex(0)).toBe('0x0');
    expect(hex(255)).toBe('0xff');
    expect(hex(0xffffffffffffffffn)).toBe('0xffffffffffffffff');
    expect(bytesToHex(new Uint8Array([0, 1, 0xab, 0xff]))).toBe('0001abff');
    expect(bytesToHex(new Uint8Array(0))).toBe('');
  });

  it('renders bigint as "0x…" and byte arrays as hex, at any depth', () => {
    const value = { a: 1n << 63n, b: [0n, 5], c: { d: new Uint8Array([0xde, 0xad]) }, e: 'x', f: 7 };
    expect(JSON.parse(toJson(value))).toEqual({ a: '0x8000000000000000', b: ['0x0', 5], c: { d: 'dead' }, e: 'x', f: 7 });
    expect(toJson({ a: 16n }, 0)).toBe('{"a":"0x10"}');
    expect(toJson(1n)).toBe('"0x1"');
    expect(jsonReplacer('k', 3)).toBe(3);
    expect(() => JSON.stringify({ a: 1n })).toThrow(TypeError); // what the replacer is for
  });
});

/**
 * The command line's renderers and color, unit by unit: struct lines with
 * named values and flags, the generic tree (long arrays cut at 256 items,
 * nesting cut at 12 levels), sizes, problems with their rules, and when
 * color is used.
 */
import { describe, expect, it } from 'vitest';
import { defineLayout, u8, u32, u64, bytes, type Problem } from '../../src/core/index.js';
import { colorize, useColor } from '../../src/cli/color.js';
import { humanSize, renderProblems, renderStruct, renderTree } from '../../src/cli/render.js';

const LAYOUT = defineLayout({
  name: 'test_struct',
  format: 'pvh',
  size: 24,
  fields: {
    kind: u8(0, { values: { 1: 'ONE' } }),
    pad: bytes(1, 3),
    flags: u32(4, { flags: { F_A: 1, F_B: 4 } }),
    big: u64(8),
    raw: bytes(16, 8),
  },
});

describe('renderStruct', () => {
  it('prints offsets, spec names, values with their names and flags (unknown bits in hex)', () => {
    const out: string[] = [];
    renderStruct(out, '', 'test_struct', LAYOUT, { kind: 1, pad: undefined, flags: 0x15, big: 0x123456789n, raw: new Uint8Array([1, 2, 0xff]) }, 0x1000n);
    expect(out[0]).toBe('test_struct @ 0x1000 (24 bytes)');
    expect(out[1]).toMatch(/^ {2}\+0x00 kind +1 {2}ONE$/);
    expect(out[2]).toMatch(/^ {2}\+0x04 flags +0x15 {2}F_A \| F_B \| 0x10$/);
    expect(out[3]).toMatch(/^ {2}\+0x08 big +0x123456789$/);
    expect(out[4]).toMatch(/^ {2}\+0x10 raw +01 02 ff$/);
    const unknown: string[] = [];
    renderStruct(unknown, '  ', 'test_struct', LAYOUT, { kind: 9, pad: undefined, flags: 0, big: 3n, raw: new Uint8Array(40) });
    expect(unknown[0]).toBe('  test_struct (24 bytes)');
    expect(unknown[1]).toMatch(/kind +9 {2}unknown$/);
    expect(unknown[2]).toMatch(/flags +0$/);
    expect(unknown[4]).toMatch(/ …$/);
  });

  it('leaves out fields that are absent', () => {
    const out: string[] = [];
    renderStruct(out, '', 't', LAYOUT, { kind: 1 });
    expect(out).toHaveLength(2);
  });
});

describe('renderTree', () => {
  it('renders scalars of every kind', () => {
    const out: string[] = [];
    renderTree(out, '', 'v', { n: 5, big: 255, frac: 1.5, b: 0x10n, s: 'x"y', t: true, z: null, bytes: new Uint8Array(20), none: new Uint8Array(0), skip: undefined });
    expect(out).toEqual([
      'v',
      '  n: 5',
      '  big: 255 (0xff)',
      '  frac: 1.5',
      '  b: 0x10',
      '  s: "x\\"y"',
      '  t: true',
      '  z: null',
      '  bytes: 20 bytes: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 …',
      '  none: 0 bytes',
    ]);
  });

  it('cuts arrays after 256 items and says how many more', () => {
    const out: string[] = [];
    renderTree(out, '', 'list', Array.from({ length: 300 }, (_, i) => i));
    expect(out[0]).toBe('list: 300 items');
    expect(out[256]).toBe('  [255]: 255 (0xff)');
    expect(out[257]).toBe('  … 44 more');
    expect(out).toHaveLength(258);
    const one: string[] = [];
    renderTree(one, '', 'one', [{ a: 1 }]);
    expect(one).toEqual(['one: 1 item', '  [0]', '    a: 1']);
  });

  it('cuts nesting past 12 levels, and walks a very deep value without recursing', () => {
    let v: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 100_000; i++) v = { inner: v };
    const out: string[] = [];
    renderTree(out, '', 'deep', v);
    expect(out).toHaveLength(14);
    expect(out[13]).toBe(`${'  '.repeat(13)}inner: …`);
  });
});

describe('humanSize and renderProblems', () => {
  it('sizes in B, KiB, MiB, GiB, TiB', () => {
    expect([0n, 1023n, 1024n, 1536n, 1n << 20n, 3n << 30n, 5n << 40n, 1n << 60n].map(humanSize)).toEqual(['0 B', '1023 B', '1 KiB', '1.5 KiB', '1 MiB', '3 GiB', '5 TiB', '1048576 TiB']);
  });

  it('problems: none, or each with its rule', () => {
    const none: string[] = [];
    renderProblems(none, []);
    expect(none).toEqual(['problems: none']);
    const p: Problem = { severity: 'warning', code: 'X', format: 'pvh', structure: 's', offset: 4, message: 'odd', rule: 'spec §1' };
    const out: string[] = [];
    renderProblems(out, [p, { ...p, rule: undefined, severity: 'error' } as Problem]);
    expect(out[0]).toBe('problems: 2');
    expect(out[1]).toMatch(/^ {2}warning .*odd/);
    expect(out[2]).toBe('      rule: spec §1');
    expect(out[3]).toMatch(/^ {2}error /);
    expect(out).toHaveLength(4);
  });
});

describe('color', () => {
  it('useColor: a terminal unless TERM=dumb; FORCE_COLOR forces; NO_COLOR always wins', () => {
    expect(useColor({}, true)).toBe(true);
    expect(useColor({}, false)).toBe(false);
    expect(useColor({ TERM: 'dumb' }, true)).toBe(false);
    expect(useColor({ FORCE_COLOR: '1' }, false)).toBe(true);
    expect(useColor({ FORCE_COLOR: '0' }, false)).toBe(false);
    expect(useColor({ FORCE_COLOR: '' }, false)).toBe(false);
    expect(useColor({ NO_COLOR: '1', FORCE_COLOR: '1' }, true)).toBe(false);
    expect(useColor({ NO_COLOR: '' }, true)).toBe(true);
  });

  it('colorize: severities, headings bold, offsets dim, other lines unchanged', () => {
    expect(colorize(['  error x', '  warning y', '  info z', 'problems: 1', 'heading', '  +0x1f1 field', '  plain', '=== sample', ''])).toEqual([
      '  \x1b[31merror\x1b[0m x',
      '  \x1b[33mwarning\x1b[0m y',
      '  \x1b[36minfo\x1b[0m z',
      '\x1b[1mproblems: 1\x1b[0m',
      '\x1b[1mheading\x1b[0m',
      '  \x1b[2m+0x1f1\x1b[0m field',
      '  plain',
      '=== sample',
      '',
    ]);
  });
});

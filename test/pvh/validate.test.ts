/**
 * validateHandoff / validateStartInfo rule by rule, on handoffs built and then
 * damaged on purpose, and the regression tests of the PVH bugs found by the
 * fixture and property tests.
 */
import { describe, expect, it } from 'vitest';
import { createPhysicalMemory, formatProblem, type PhysicalMemory } from '../../src/core/index.js';
import {
  XEN_HVM_MEMMAP_TYPE_RAM,
  XEN_HVM_START_MAGIC_VALUE,
  buildHandoff,
  decodeHandoff,
  validateHandoff,
  validateStartInfo,
  type PvhHandoffSpec,
} from '../../src/pvh/index.js';

const BASE = 0x6000n;

function build(spec: PvhHandoffSpec): PhysicalMemory {
  const memory = createPhysicalMemory([], { growable: true });
  buildHandoff(memory, spec, { startInfo: BASE });
  return memory;
}

const poke32 = (m: PhysicalMemory, paddr: bigint, v: number): void => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v, true);
  m.write(paddr, b);
};
const poke64 = (m: PhysicalMemory, paddr: bigint, v: bigint): void => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, v, true);
  m.write(paddr, b);
};
const codes = (m: PhysicalMemory, options = {}): string[] => validateHandoff(m, BASE, options).map((p) => p.code);

function startInfoBytes(flags: number, version = 1): Uint8Array {
  const b = new Uint8Array(56);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, XEN_HVM_START_MAGIC_VALUE, true);
  dv.setUint32(4, version, true);
  dv.setUint32(8, flags, true);
  return b;
}

describe('validateStartInfo', () => {
  // Regression: `info.flags & ~KNOWN_FLAGS >>> 0` bound `>>>` first, so bit 31 printed as "0x-80000000".
  it('reports unknown flag bits as an unsigned hex mask, bit 31 included', () => {
    expect(validateStartInfo(startInfoBytes(0x80000000))).toMatchObject([
      { severity: 'warning', code: 'UNKNOWN_FLAGS', field: 'flags', offset: 8, message: 'unknown SIF_ bits 0x80000000' },
    ]);
    expect(validateStartInfo(startInfoBytes(0xffffffff))[0]?.message).toBe('unknown SIF_ bits 0xffff00c0');
    expect(validateStartInfo(startInfoBytes(0x40))[0]?.message).toBe('unknown SIF_ bits 0x40');
    // Known bits and the xen-pm byte are fine.
    expect(validateStartInfo(startInfoBytes(0x3f | 0xff00))).toEqual([]);
  });

  it('reports a bad magic, a newer version, a nonzero reserved field, truncation', () => {
    const b = startInfoBytes(0, 3);
    b[0] = 0;
    new DataView(b.buffer).setUint32(52, 9, true);
    expect(validateStartInfo(b).map((p) => [p.severity, p.code, p.offset])).toEqual([
      ['error', 'BAD_MAGIC', 0],
      ['warning', 'VERSION_NEWER', 4],
      ['warning', 'RESERVED_NONZERO', 52],
    ]);
    expect(validateStartInfo(startInfoBytes(0).subarray(0, 55))).toMatchObject([{ severity: 'error', code: 'TRUNCATED' }]);
    expect(validateStartInfo(startInfoBytes(0, 0).subarray(0, 40))).toEqual([]);
    expect(validateStartInfo(new Uint8Array(7))).toMatchObject([{ code: 'TRUNCATED' }]);
    expect(validateStartInfo(startInfoBytes(0), 57)).toMatchObject([{ code: 'TRUNCATED' }]);
  });
});

describe('validateHandoff', () => {
  const good: PvhHandoffSpec = {
    cmdline: 'root=/dev/vda',
    modules: [{ paddr: 0x400000n, cmdline: 'm0', data: new Uint8Array(16).fill(1) }],
    memmap: [
      { addr: 0n, size: 0x9fc00n, type: XEN_HVM_MEMMAP_TYPE_RAM },
      { addr: 0x100000n, size: 0x1000000n, type: XEN_HVM_MEMMAP_TYPE_RAM },
    ],
  };

  it('a good handoff has no problems', () => {
    expect(validateHandoff(build(good), BASE, { checkModuleData: true })).toEqual([]);
  });

  it('MISSING_ADDRESS for a count without a list', () => {
    const m = build(good);
    poke64(m, BASE + 16n, 0n);
    poke64(m, BASE + 40n, 0n);
    expect(codes(m)).toEqual(['MISSING_ADDRESS', 'MISSING_ADDRESS']);
    // The decoder refuses too (it does not read a list at address 0).
    expect(() => decodeHandoff(m, BASE)).toThrow(/hvm_start_info\.modlist_paddr at offset 16, paddr 0x6010: .*\[BAD_VALUE\]/);
  });

  it('LIMIT for counts above the bounds, with the default and the caller bounds', () => {
    const m = build(good);
    poke32(m, BASE + 12n, 0xffffffff);
    poke32(m, BASE + 48n, 0xffffffff);
    expect(codes(m)).toEqual(['LIMIT', 'LIMIT']);
    expect(() => decodeHandoff(m, BASE)).toThrow(/nr_modules.*LIMIT/);
    expect(codes(build(good), { maxMemmapEntries: 1 })).toEqual(['LIMIT']);
    expect(() => decodeHandoff(build(good), BASE, { maxMemmapEntries: 1 })).toThrow(/memmap_entries.*LIMIT/);
  });

  it('module problems: empty, at address 0, wrapping past 2^64, unbacked data, overlapping a structure', () => {
    const spec: PvhHandoffSpec = {
      modules: [
        { paddr: 0x400000n, size: 0n },
        { paddr: 0n, size: 16n },
        { paddr: 0xfffffffffffffff0n, size: 0x11n },
        { paddr: 0xfffffffffffffff0n, size: 0x10n }, // ends exactly at 2^64: fine
        { paddr: BASE + 8n, size: 8n }, // inside start_info
      ],
    };
    const m = build(spec);
    const ps = validateHandoff(m, BASE, { checkModuleData: true });
    expect(ps.map((p) => p.code).sort()).toEqual(['EMPTY_MODULE', 'OVERLAP', 'RANGE_OVERFLOW', 'UNMAPPED', 'UNMAPPED', 'ZERO_ADDRESS']);
    expect(ps.find((p) => p.code === 'RANGE_OVERFLOW')).toMatchObject({ structure: 'hvm_modlist_entry', field: 'size', offset: 2 * 32 + 8 });
    expect(ps.find((p) => p.code === 'OVERLAP')?.message).toMatch(/module 4 .* overlaps start_info/);
    expect(ps.map(formatProblem).every((line) => line.includes(' pvh '))).toBe(true);
  });

  it('memory map problems: unknown type, empty, wrapping, unsorted, overlapping', () => {
    const m = build({
      memmap: [
        { addr: 0x100000n, size: 0x1000n, type: 1 },
        { addr: 0x0n, size: 0x1000n, type: 42 },
        { addr: 0x100800n, size: 0x1000n, type: 2 },
        { addr: 0x200000n, size: 0n, type: 1 },
        { addr: 0xffffffffffffff00n, size: 0x1000n, type: 1 },
      ],
    });
    expect(codes(m).sort()).toEqual(['EMPTY_RANGE', 'MEMMAP_OVERLAP', 'MEMMAP_UNSORTED', 'RANGE_OVERFLOW', 'UNKNOWN_TYPE']);
  });

  it('strings: unterminated, unmapped, not UTF-8', () => {
    const m = build(good);
    const h = decodeHandoff(m, BASE);
    m.write(h.startInfo.cmdlinePaddr, new Uint8Array([0xff]));
    expect(codes(m)).toEqual(['NOT_UTF8']);
    expect(codes(m, { maxCmdline: 2 })).toEqual(['UNTERMINATED', 'UNTERMINATED']);
    expect(codes(m, { maxCmdline: 3 })).toEqual(['UNTERMINATED']); // 'm0' and its NUL fit in 3
    poke64(m, h.startInfo.modlistPaddr + 16n, 0x7777000n);
    expect(codes(m)).toEqual(['NOT_UTF8', 'UNMAPPED']);
  });

  it('BAD_RSDP when the signature is not there; nothing when the RSDP is not in memory', () => {
    const m = build({ rsdpPaddr: 0xe0000n });
    expect(codes(m)).toEqual([]);
    m.write(0xe0000n, new TextEncoder().encode('RSD PTR \0'));
    expect(codes(m)).toEqual([]);
    m.write(0xe0000n, new TextEncoder().encode('RSD PTX'));
    expect(codes(m)).toEqual(['BAD_RSDP']);
  });

  it('an unmapped start_info is one UNMAPPED error', () => {
    expect(validateHandoff(createPhysicalMemory(), 0x1000)).toMatchObject([{ severity: 'error', code: 'UNMAPPED', paddr: 0x1000n }]);
  });

  // Regression (core/strings): a command line starting with U+FEFF lost it on the way back.
  it('keeps a leading U+FEFF in the command lines', () => {
    const m = build({ cmdline: '\ufeffconsole=ttyS0', modules: [{ paddr: 0x400000n, size: 1n, cmdline: '\ufeff' }] });
    const h = decodeHandoff(m, BASE);
    expect(h.cmdline).toBe('\ufeffconsole=ttyS0');
    expect(h.modules[0]?.cmdline).toBe('\ufeff');
  });
});

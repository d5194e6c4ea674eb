/**
 * The callers' numbers are untrusted too: every public function that reads
 * bytes at an offset (or a count of rows) is called, through its module's
 * namespace, with offsets and counts that lie — negative, fractional, NaN,
 * past the end, past 2^32 and 2^53 — and with empty input. Each must return or
 * throw BootprotoError; a validator must return problems.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BootprotoError } from '../../src/core/index.js';
import * as pvh from '../../src/pvh/index.js';
import * as mb from '../../src/multiboot/index.js';
import * as linux from '../../src/linux-bootparams/index.js';
import * as pe from '../../src/pecoff/index.js';
import * as efi from '../../src/efi-memmap/index.js';
import * as fdt from '../../src/fdt/index.js';

const fixture = (p: string): Uint8Array => new Uint8Array(readFileSync(new URL(`../fixtures/${p}`, import.meta.url)));

/** Module, a real input, and the exported functions whose arguments are (bytes, offset?, …). */
const MODULES: [string, Record<string, unknown>, Uint8Array, RegExp][] = [
  ['pvh', pvh, fixture('pvh/guest32.elf'), /^(decode(StartInfo|ModlistEntry|MemmapEntry)|view\w+|validate(StartInfo|PvhEntry)|findPvhEntry)$/],
  ['multiboot', mb, fixture('multiboot/mb2-guest.elf'), /^(decodeMb[12](Info|Module|MmapEntry|Apm|Header|Tag|Mmap|Drives)|find\w+|detect\w+|validateMb[12]Header|validateMb2InfoBytes|mb2TagCursor)$/],
  ['linux-bootparams', linux, fixture('linux-bootparams/kernel-pc-256M.zeropage.bin'), /^(decode(SetupHeader|SetupHeaderFull|BootParams|E820Entry|KernelInfo)|view\w+|validate(SetupHeader|BootParams)|setupHeaderEnd|detect\w+|findPeHeader|inspectBzImage|checkImageChecksum)$/],
  ['pecoff', pe, fixture('pecoff/app64.efi'), /^(decode(PeImage|DosHeader|FileHeader|OptionalHeader|SectionHeader|LinuxImageHeader|CodeView)|view\w+|validate(PeImage|Uki)|locatePeHeaders|detectPeImage|summarizePeImage|computePeChecksum)$/],
  ['efi-memmap', efi, fixture('efi-memmap/ovmf-q35-256M.memmap.bin'), /^(decodeMemoryDescriptor|checkDescriptorSize)$/],
  ['fdt', fdt, fixture('fdt/features.dtb'), /^(decode(FdtHeader|FdtReserveEntry|Fdt)|view\w+|validateFdt|detectFdt|fdtGeometry|fdtCursor|fdtOutline\w*|openFdt|fdtCheckFull|dts|nop(Node|Property))$/],
];

/** Functions matched above whose second argument is not a number (`viewPeHeaders(bytes, reuse?)` takes a view to re-point): called with empty input only. */
const NOT_NUMERIC = new Set(['viewPeHeaders']);

const LIES = [-1, -0.5, 0.5, 1.5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0x7fffffff, 0x80000000, 0xffffffff, 2 ** 32, 2 ** 53, Number.MAX_SAFE_INTEGER, Number.MAX_VALUE];

function outcome(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (e) {
    return e instanceof BootprotoError ? 'BootprotoError' : `${(e as Error).name}: ${(e as Error).message}`;
  }
}

describe('lying offsets and counts', () => {
  for (const [name, ns, bytes, pick] of MODULES) {
    const fns = Object.entries(ns).filter((e): e is [string, (...a: unknown[]) => unknown] => typeof e[1] === 'function' && pick.test(e[0]));
    it(`${name}: ${fns.map(([n]) => n).join(', ')}`, () => {
      expect(fns.length).toBeGreaterThan(0);
      const bad: string[] = [];
      for (const [fname, fn] of fns) {
        const calls: [string, () => unknown][] = [[`${fname}(empty)`, () => fn(new Uint8Array(0))]];
        if (NOT_NUMERIC.has(fname)) {
          for (const [what, call] of calls) if (outcome(call) !== 'BootprotoError') bad.push(`${what} → ${outcome(call)}`);
          continue;
        }
        for (const lie of LIES) {
          calls.push([`${fname}(bytes, ${lie})`, () => fn(bytes.slice(), lie)]);
          if (fn.length >= 3 || fname.startsWith('view') || fname === 'decodeMemoryDescriptor') calls.push([`${fname}(bytes, 0, ${lie})`, () => fn(bytes.slice(), 0, lie)]);
        }
        calls.push([`${fname}(bytes, bytes.length)`, () => fn(bytes.slice(), bytes.length)]);
        for (const [what, call] of calls) {
          const r = outcome(call);
          const isValidator = fname.startsWith('validate');
          if (isValidator ? r !== 'ok' : r !== 'ok' && r !== 'BootprotoError') bad.push(`${what} → ${r}`);
        }
      }
      expect(bad).toEqual([]);
    });
  }

  it('efi-memmap: a MemoryMapLocation that lies (descriptor size, offset, map size)', () => {
    const bytes = fixture('efi-memmap/ovmf-q35-256M.memmap.bin');
    const bad: string[] = [];
    for (const lie of [...LIES, 0, 8, 39, 41, 47]) {
      const wheres: efi.MemoryMapLocation[] = [
        { descriptorSize: lie },
        { descriptorSize: 48, offset: lie },
        { descriptorSize: 48, mapSize: lie },
        { descriptorSize: 48, descriptorVersion: lie },
      ];
      for (const where of wheres) {
        for (const [fname, call] of [
          ['decodeMemoryMap', () => efi.decodeMemoryMap(bytes, where)],
          ['viewMemoryMap', () => efi.viewMemoryMap(bytes, where)],
        ] as const) {
          const r = outcome(call);
          if (r !== 'ok' && r !== 'BootprotoError') bad.push(`${fname}(${JSON.stringify(where)}) → ${r}`);
        }
        const v = outcome(() => efi.validateMemoryMap(bytes, where));
        if (v !== 'ok') bad.push(`validateMemoryMap(${JSON.stringify(where)}) → ${v}`);
      }
    }
    expect(bad).toEqual([]);
  });
});

/**
 * The refusals the other linux-bootparams tests do not reach: what
 * validateZeroPageInMemory reports about the initrd, the command line and
 * each kind of bad `setup_data` node, and what walkSetupData refuses. Zero
 * pages are built for the committed Debian kernel head (vmlinuz-head.bin,
 * protocol 2.15), written into memory, then changed at a named field.
 */
import { describe, expect, it } from 'vitest';
import { bytesSource, createPhysicalMemory, type PhysicalMemory, type Problem } from '../../src/core/index.js';
import {
  CAN_USE_HEAP,
  QUIET_FLAG,
  decodeLoaderId,
  E820_TYPE_RAM,
  SETUP_DTB,
  SETUP_E820_EXT,
  SETUP_INDIRECT,
  SETUP_NONE,
  buildZeroPage,
  decodeBootParams,
  decodeSetupHeader,
  encodeBootParams,
  encodeSetupDataNode,
  encodeSetupHeader,
  inspectBzImage,
  needsExt,
  readBzImageHeaders,
  readBzImageHeadersSync,
  setupHeaderEnd,
  validateSetupHeader,
  validateZeroPageInMemory,
  walkSetupData,
  writeSetupData,
  writeZeroPage,
  type BootE820Entry,
  type PlacedSetupData,
} from '../../src/linux-bootparams/index.js';
import { readBytes } from '../helpers/files.js';

const head = readBytes('test/fixtures/linux-bootparams/vmlinuz-head.bin');
const MiB = 0x100000n;
const ZP = 0x7000n;
/** The Debian kernel's own copy of the zero page QEMU gave it under -machine pc -m 256M: its e820 map is the one used here. */
const qemuZeroPage = decodeBootParams(readBytes('test/fixtures/linux-bootparams/kernel-pc-256M.zeropage.bin'));
const e820 = qemuZeroPage.e820Table.slice(0, qemuZeroPage.e820Entries);

/** A zero page for the Debian kernel in growable memory, with `setupData` nodes, then `patch` applied to it. */
function zeroPage(setupData: PlacedSetupData[] = [], patch: (dv: DataView) => void = () => undefined, image = head): PhysicalMemory {
  const built = buildZeroPage({ image, cmdline: 'console=ttyS0', cmdlinePaddr: 0x20000n, initrd: { paddr: 120n * MiB, size: MiB }, zeroPagePaddr: ZP, e820, setupData });
  const memory = createPhysicalMemory([], { growable: true });
  writeZeroPage(memory, built);
  const zp = memory.read(ZP, 4096).slice();
  patch(new DataView(zp.buffer));
  memory.write(ZP, zp);
  return memory;
}

/** A `struct setup_indirect`: type, reserved, len, addr. */
function indirect(type: number, len: bigint, addr: bigint, reserved = 0): Uint8Array {
  const b = new Uint8Array(24);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, type, true);
  dv.setUint32(4, reserved, true);
  dv.setBigUint64(8, len, true);
  dv.setBigUint64(16, addr, true);
  return b;
}

/** e820 entries as SETUP_E820_EXT data: addr, size, type per 20 bytes. */
function e820Data(entries: BootE820Entry[], extra = 0): Uint8Array {
  const b = new Uint8Array(entries.length * 20 + extra);
  const dv = new DataView(b.buffer);
  entries.forEach((e, i) => {
    dv.setBigUint64(i * 20, e.addr, true);
    dv.setBigUint64(i * 20 + 8, e.size, true);
    dv.setUint32(i * 20 + 16, e.type, true);
  });
  return b;
}

const without = (problems: Problem[], ...codes: string[]): Problem[] => problems.filter((p) => !codes.includes(p.code));

/** What `toThrow` should meet: a BootprotoError with these fields. */
const refusal = (fields: Record<string, unknown>): unknown => expect.objectContaining({ name: 'BootprotoError', ...fields });

describe('validateZeroPageInMemory: the initrd and the command line', () => {
  it('the built zero page is clean', () => {
    const f = validateZeroPageInMemory(zeroPage(), ZP, { checkInitrdData: true });
    expect(without(f.problems, 'UNMAPPED')).toEqual([]);
  });

  it('MISSING_ADDRESS when ramdisk_size is set and ramdisk_image is 0 (field and offset in the header)', () => {
    const f = validateZeroPageInMemory(zeroPage([], (dv) => dv.setUint32(0x218, 0, true)), ZP);
    expect(f.problems).toEqual([
      { severity: 'error', code: 'MISSING_ADDRESS', format: 'linux', structure: 'boot_params.hdr', field: 'ramdisk_image', offset: 0x218, message: 'ramdisk_size is set but ramdisk_image is 0' },
    ]);
  });

  it('UNMAPPED with checkInitrdData when the initrd\'s bytes are not in memory', () => {
    const memory = zeroPage();
    expect(validateZeroPageInMemory(memory, ZP).problems).toEqual([]);
    const f = validateZeroPageInMemory(memory, ZP, { checkInitrdData: true });
    expect(f.problems).toMatchObject([{ severity: 'error', code: 'UNMAPPED', field: 'ramdisk_image', paddr: 120n * MiB, message: `the initrd's ${MiB} bytes at 0x${(120n * MiB).toString(16)} are not all in memory` }]);
    memory.write(120n * MiB, new Uint8Array(Number(MiB)));
    expect(validateZeroPageInMemory(memory, ZP, { checkInitrdData: true }).problems).toEqual([]);
  });

  it('before protocol 2.03 the initrd limit is 0x37ffffff whatever initrd_addr_max says; before 2.06 the command line is at most 255 bytes', () => {
    const old = (dv: DataView): void => {
      dv.setUint16(0x206, 0x202, true);
      dv.setUint32(0x218, 0x37fff000, true); // ramdisk_image: the 1 MiB initrd crosses 0x37ffffff
      dv.setUint32(0x22c, 0x7fffffff, true);
      dv.setUint32(0x228, 0x21000, true); // cmd_line_ptr: a command line written below
    };
    const memory = zeroPage([], old);
    memory.write(0x21000n, new TextEncoder().encode(`${'x'.repeat(255)}\0`));
    const f = validateZeroPageInMemory(memory, ZP);
    expect(f.cmdline).toBe('x'.repeat(255));
    expect(f.problems).toMatchObject([{ severity: 'error', code: 'INITRD_ABOVE_MAX', field: 'ramdisk_image', offset: 0x218, message: 'the initrd ends at 0x380fefff, above initrd_addr_max 0x37ffffff' }]);
    const longer = zeroPage([], old);
    longer.write(0x21000n, new TextEncoder().encode(`${'x'.repeat(300)}\0`));
    const g = validateZeroPageInMemory(longer, ZP);
    expect(g.cmdline).toBeUndefined();
    expect(g.problems.map((p) => [p.code, p.field])).toEqual([
      ['UNTERMINATED', 'cmd_line_ptr'],
      ['INITRD_ABOVE_MAX', 'ramdisk_image'],
    ]);
  });
});

describe('validateZeroPageInMemory: setup_data nodes', () => {
  it('warns about SETUP_NONE and unknown node types, at the node\'s type field', () => {
    const f = validateZeroPageInMemory(zeroPage([{ paddr: 0x30000n, type: SETUP_NONE, data: new Uint8Array(8) }, { paddr: 0x30100n, type: 0x77, data: new Uint8Array(4) }]), ZP);
    expect(f.setupData?.map((n) => n.typeName)).toEqual(['SETUP_NONE', '0x77']);
    expect(f.problems).toEqual([
      { severity: 'warning', code: 'SETUP_NONE', format: 'linux', structure: 'setup_data', field: 'type', offset: 8, paddr: 0x30008n, message: 'a node of type SETUP_NONE' },
      { severity: 'warning', code: 'UNKNOWN_TYPE', format: 'linux', structure: 'setup_data', field: 'type', offset: 8, paddr: 0x30108n, message: 'unknown setup_data type 0x77' },
    ]);
  });

  it('SETUP_INDIRECT: BAD_INDIRECT for a target type without the bit or without an inner type, RESERVED_NONZERO, and the target counted in the overlap check', () => {
    const memory = zeroPage([
      { paddr: 0x30000n, type: SETUP_INDIRECT, data: indirect(SETUP_DTB, 16n, 0x31000n) },
      { paddr: 0x30100n, type: SETUP_INDIRECT, data: indirect(SETUP_INDIRECT, 16n, 0x32000n, 7) },
      { paddr: 0x30200n, type: SETUP_INDIRECT, data: indirect((SETUP_INDIRECT | SETUP_DTB) >>> 0, 8n, 0x20000n) },
    ]);
    memory.write(0x31000n, new Uint8Array(16));
    memory.write(0x32000n, new Uint8Array(16));
    const f = validateZeroPageInMemory(memory, ZP);
    expect(f.setupData?.map((n) => n.indirect?.typeName)).toEqual(['SETUP_DTB', 'SETUP_INDIRECT', 'SETUP_INDIRECT|SETUP_DTB']);
    expect(f.problems.map((p) => [p.severity, p.code, p.structure, p.field, p.paddr])).toEqual([
      ['error', 'BAD_INDIRECT', 'setup_indirect', 'type', 0x30010n],
      ['error', 'BAD_INDIRECT', 'setup_indirect', 'type', 0x30110n],
      ['warning', 'RESERVED_NONZERO', 'setup_indirect', 'reserved', 0x30114n],
      ['error', 'OVERLAP', 'setup_indirect', 'addr', 0x20000n],
    ]);
    expect(f.problems[3]?.message).toMatch(/^indirect target of node at 0x30200 \[0x20000, 0x20008\) overlaps command line \[0x20000, 0x2000e\)$/);
  });

  it('SETUP_INDIRECT before protocol 2.15, and the 2.14 version number read as 2.13', () => {
    const f = validateZeroPageInMemory(zeroPage([{ paddr: 0x30000n, type: SETUP_INDIRECT, data: indirect((SETUP_INDIRECT | SETUP_DTB) >>> 0, 8n, 0x31000n) }], (dv) => dv.setUint16(0x206, 0x20e, true)), ZP);
    expect(f.problems.map((p) => [p.severity, p.code, p.structure, p.field])).toEqual([
      ['warning', 'VERSION_2_14', 'boot_params.hdr', 'version'],
      ['error', 'UNMAPPED', 'setup_indirect', 'addr'],
    ]);
    const memory = zeroPage([{ paddr: 0x30000n, type: SETUP_INDIRECT, data: indirect((SETUP_INDIRECT | SETUP_DTB) >>> 0, 8n, 0x31000n) }], (dv) => dv.setUint16(0x206, 0x20e, true));
    memory.write(0x31000n, new Uint8Array([0xd0, 0x0d, 0xfe, 0xed, 0, 0, 0, 8]));
    expect(validateZeroPageInMemory(memory, ZP).problems).toMatchObject([
      { code: 'VERSION_2_14', message: 'protocol 2.14 was burnt by a wrong commit; read as 2.13' },
      { severity: 'warning', code: 'VERSION_GATED', structure: 'setup_indirect', field: 'type', paddr: 0x30008n, message: 'SETUP_INDIRECT needs protocol 2.15' },
    ]);
  });

  it('setup_data before protocol 2.09 is an error; the nodes are still walked', () => {
    const f = validateZeroPageInMemory(zeroPage([{ paddr: 0x30000n, type: SETUP_DTB, data: new Uint8Array([0xd0, 0x0d, 0xfe, 0xed]) }], (dv) => dv.setUint16(0x206, 0x208, true)), ZP);
    expect(f.setupData?.length).toBe(1);
    expect(f.problems).toMatchObject([{ severity: 'error', code: 'VERSION_GATED', structure: 'boot_params.hdr', field: 'setup_data', offset: 0x250, message: 'setup_data is set but protocol 2.8 predates it (2.09)' }]);
  });

  it('an indirect SETUP_E820_EXT: its length not a multiple of 20 and its entries checked, E820_EXT_EARLY while e820_table has room', () => {
    const entries: BootE820Entry[] = [{ addr: 0x100000000n, size: 0x10000000n, type: E820_TYPE_RAM }];
    const memory = zeroPage([{ paddr: 0x30000n, type: SETUP_INDIRECT, data: indirect((SETUP_INDIRECT | SETUP_E820_EXT) >>> 0, 26n, 0x31000n) }]);
    memory.write(0x31000n, e820Data(entries, 6));
    const f = validateZeroPageInMemory(memory, ZP);
    const payload = f.setupData?.[0]?.indirect?.payload;
    expect(payload?.kind === 'SETUP_E820_EXT' ? payload.entries : undefined).toEqual(entries);
    expect(f.problems).toEqual([
      { severity: 'warning', code: 'E820_EXT_LENGTH', format: 'linux', structure: 'setup_data', field: 'len', offset: 12, paddr: 0x3000cn, message: 'len is not a multiple of 20 (6 bytes left over)' },
    ]);
    // A direct node: the same checks, and the note that the table still had room.
    const direct = validateZeroPageInMemory(zeroPage([{ paddr: 0x30000n, type: SETUP_E820_EXT, data: e820Data(entries, 6) }]), ZP);
    expect(direct.problems.map((p) => [p.severity, p.code, p.paddr])).toEqual([
      ['warning', 'E820_EXT_LENGTH', 0x3000cn],
      ['info', 'E820_EXT_EARLY', ZP + 0x1e8n],
    ]);
    expect(direct.problems[1]?.message).toBe(`a SETUP_E820_EXT node while e820_table has ${e820.length} of 128 entries`);
  });
});

describe('walkSetupData: what it refuses', () => {
  const TOP = 0xffff_ffff_ffff_ff00n;

  it('BAD_VALUE for a node whose data would run past 2^64', () => {
    const memory = createPhysicalMemory([{ paddr: TOP, bytes: encodeSetupDataNode(0n, SETUP_DTB, new Uint8Array(0x100)).subarray(0, 0x100) }]);
    expect(() => walkSetupData(memory, TOP)).toThrow(refusal({ code: 'BAD_VALUE', format: 'linux', structure: 'setup_data', field: 'len', paddr: TOP, reason: 'the node runs past 2^64' }));
  });

  it('SETUP_INDIRECT: TRUNCATED below 24 bytes of data, LIMIT past maxLen, BAD_VALUE for a target past 2^64', () => {
    const at = (data: Uint8Array): PhysicalMemory => createPhysicalMemory([{ paddr: 0x1000n, bytes: encodeSetupDataNode(0n, SETUP_INDIRECT, data) }]);
    expect(() => walkSetupData(at(new Uint8Array(16)), 0x1000n)).toThrow(refusal({
      code: 'TRUNCATED',
      structure: 'setup_indirect',
      field: 'len',
      paddr: 0x1000n,
      reason: 'a SETUP_INDIRECT node needs 24 bytes of data, len is 16',
    }));
    const big = at(indirect((SETUP_INDIRECT | SETUP_DTB) >>> 0, 0x1000n, 0x2000n));
    expect(() => walkSetupData(big, 0x1000n, { maxLen: 0x100 })).toThrow(refusal({ code: 'LIMIT', structure: 'setup_indirect', field: 'len', paddr: 0x1010n, reason: 'indirect len 4096 exceeds the bound 256' }));
    const wrap = at(indirect((SETUP_INDIRECT | SETUP_DTB) >>> 0, 0x100n, TOP + 0x80n));
    expect(() => walkSetupData(wrap, 0x1000n)).toThrow(refusal({ code: 'BAD_VALUE', structure: 'setup_indirect', field: 'addr', paddr: 0x1010n, reason: 'the target runs past 2^64' }));
  });
});

describe('encodeBootParams: the table counts a zero page holds', () => {
  const bp = qemuZeroPage;

  it('LIMIT for more than 128 e820 entries, 6 EDD entries or 16 MBR signatures, naming the table and its offset', () => {
    const e820 = { ...bp, e820Table: Array.from({ length: 129 }, (_, i) => ({ addr: BigInt(i) << 20n, size: 1n << 20n, type: E820_TYPE_RAM })) };
    expect(() => encodeBootParams(e820, new Uint8Array(4096 + 8), 8)).toThrow(refusal({ code: 'LIMIT', structure: 'boot_params', field: 'e820_table', offset: 8 + 0x2d0, reason: '129 entries, the zero page holds 128' }));
    const edd = { ...bp, eddbuf: Array.from({ length: 7 }, () => bp.eddbuf[0] ?? ({} as (typeof bp.eddbuf)[number])) };
    expect(() => encodeBootParams(edd)).toThrow(refusal({ code: 'LIMIT', field: 'eddbuf', offset: 0xd00, reason: '7 entries, the zero page holds 6' }));
    const sigs = { ...bp, eddMbrSigBuffer: new Array<number>(17).fill(0) };
    expect(() => encodeBootParams(sigs)).toThrow(refusal({ code: 'LIMIT', field: 'edd_mbr_sig_buffer', offset: 0x290, reason: '17 entries, the zero page holds 16' }));
  });

  it('TRUNCATED, writing nothing, when the buffer is too small for the zero page at that offset', () => {
    const into = new Uint8Array(4096);
    expect(() => encodeBootParams(bp, into, 16)).toThrow(refusal({ code: 'TRUNCATED', structure: 'boot_params', offset: 16, reason: 'needs 4096 bytes, only 4080 remain' }));
    expect(into).toEqual(new Uint8Array(4096));
  });
});

describe('buildZeroPage: the loader options it checks', () => {
  const base = { image: head, cmdline: 'console=ttyS0', cmdlinePaddr: 0x20000n, zeroPagePaddr: ZP, e820 };
  const codes = (r: { problems: Problem[] }): string[] => r.problems.map((p) => p.code);

  it('an extended loader id fills ext_loader_type/ext_loader_ver; quiet and heapEnd set their loadflags bits', () => {
    const r = buildZeroPage({ ...base, loader: { id: 0x13, version: 0x25 }, quiet: true, heapEnd: 0xfe00 });
    expect(r.problems).toEqual([]);
    expect(r.bootParams.hdr).toMatchObject({ typeOfLoader: 0xe5, extLoaderType: 3, extLoaderVer: 2, heapEndPtr: 0xfc00 });
    expect(decodeLoaderId(r.bootParams.hdr.typeOfLoader, r.bootParams.hdr.extLoaderType, r.bootParams.hdr.extLoaderVer)).toEqual({ id: 0x13, version: 0x25 });
    expect(r.bootParams.hdr.loadflags & (QUIET_FLAG | CAN_USE_HEAP)).toBe(QUIET_FLAG | CAN_USE_HEAP);
  });

  it('BAD_HEAP_END outside the real-mode segment; VERSION_GATED before protocol 2.01', () => {
    for (const heapEnd of [0x100, 0x10001]) {
      const r = buildZeroPage({ ...base, heapEnd });
      expect(r.problems).toMatchObject([{ severity: 'error', code: 'BAD_HEAP_END', field: 'heap_end_ptr', message: `heap end 0x${heapEnd.toString(16)} is outside the real-mode segment` }]);
      expect(r.bootParams.hdr.loadflags & CAN_USE_HEAP).toBe(0);
    }
    const old = head.slice();
    new DataView(old.buffer).setUint16(0x206, 0x200, true);
    expect(buildZeroPage({ ...base, image: old, cmdline: undefined, heapEnd: 0xfe00 }).problems).toMatchObject([
      { code: 'PROTOCOL_TOO_OLD', field: 'version' },
      { severity: 'error', code: 'VERSION_GATED', field: 'heap_end_ptr', message: 'heap_end_ptr needs protocol 2.01' },
    ]);
  });

  it('MISSING_ADDRESS for a command line without cmdlinePaddr; ABOVE_4G for one above 4 GiB when the kernel lacks XLF_CAN_BE_LOADED_ABOVE_4G', () => {
    expect(buildZeroPage({ ...base, cmdlinePaddr: undefined }).problems).toMatchObject([{ severity: 'error', code: 'MISSING_ADDRESS', field: 'cmd_line_ptr', message: 'a command line needs cmdlinePaddr' }]);
    const low = head.slice();
    new DataView(low.buffer).setUint16(0x236, 0x1, true); // xloadflags: XLF_KERNEL_64 only
    const big = [...e820, { addr: 0x100000000n, size: 0x100000000n, type: E820_TYPE_RAM }];
    const r = buildZeroPage({ ...base, image: low, e820: big, cmdlinePaddr: 0x100000000n });
    expect(codes(r)).toEqual(['ABOVE_4G']);
    expect(r.problems[0]).toMatchObject({ field: 'ext_cmd_line_ptr', paddr: 0x100000000n });
    expect(codes(buildZeroPage({ ...base, e820: big, cmdlinePaddr: 0x100000000n }))).toEqual([]);
  });

  it('warns about an initrd off a page boundary and a setup_data node off 8 bytes; writes acpi_rsdp_addr at 0x070', () => {
    const r = buildZeroPage({ ...base, initrd: { paddr: 120n * MiB + 0x10n, size: MiB }, setupData: [{ paddr: 0x30004n, type: SETUP_DTB, data: new Uint8Array([0xd0, 0x0d, 0xfe, 0xed]) }], acpiRsdpAddr: 0xf5a40n });
    expect(r.problems.map((p) => [p.severity, p.code, p.field, p.paddr])).toEqual([
      ['warning', 'INITRD_UNALIGNED', 'ramdisk_image', 120n * MiB + 0x10n],
      ['warning', 'SETUP_DATA_UNALIGNED', 'setup_data', 0x30004n],
    ]);
    expect(new DataView(r.zeroPage.buffer).getBigUint64(0x070, true)).toBe(0xf5a40n);
    expect(r.bootParams.acpiRsdpAddr).toBe(0xf5a40n);
  });
});

describe('inspectBzImage and readBzImageHeaders: a PE header past the real-mode part', () => {
  // The Debian kernel's setup is 40 sectors (0x5000 bytes); its PE header sits at 0x40. Point e_lfanew beyond the setup.
  const moved = (lfanew: number, signature: boolean): Uint8Array => {
    const b = head.slice();
    new DataView(b.buffer).setUint32(0x3c, lfanew, true);
    if (signature && lfanew + 4 <= b.length) b.set([0x50, 0x45, 0, 0], lfanew);
    return b;
  };
  /** What both readers say: the whole-buffer one and the one that reads a source piece by piece. */
  const peOf = async (bytes: Uint8Array): Promise<unknown[]> => [
    inspectBzImage(bytes).peCoff,
    readBzImageHeadersSync(bytesSource(bytes)).peCoff,
    (await readBzImageHeaders(bytesSource(bytes))).peCoff,
  ];

  it('follows e_lfanew beyond the setup and finds "PE\\0\\0" there', async () => {
    expect(await peOf(head)).toEqual(new Array(3).fill({ present: true, peOffset: 0x40 }));
    expect(await peOf(moved(0x5800, true))).toEqual(new Array(3).fill({ present: true, peOffset: 0x5800 }));
  });

  it('no PE header when the bytes there are not the signature, or e_lfanew points past the file', async () => {
    expect(await peOf(moved(0x5800, false))).toEqual(new Array(3).fill({ present: false }));
    expect(await peOf(moved(head.length - 2, true))).toEqual(new Array(3).fill({ present: false }));
  });
});

describe('the smaller refusals and edge values', () => {
  it('encodeSetupHeader: TRUNCATED when the fields given run past the buffer, writing nothing', () => {
    const h = decodeSetupHeader(head);
    const into = new Uint8Array(0x230);
    expect(() => encodeSetupHeader(h, into)).toThrow(refusal({ code: 'TRUNCATED', structure: 'setup_header', offset: 0x1f1, reason: `the header's fields need ${setupHeaderEnd(head)} bytes, the buffer has ${0x230}` }));
    expect(into).toEqual(new Uint8Array(0x230));
  });

  it('writeSetupData with no nodes writes nothing and returns the tail as the head', () => {
    const memory = createPhysicalMemory([], { growable: true });
    expect(writeSetupData(memory, [])).toBe(0n);
    expect(writeSetupData(memory, [], 0x30000n)).toBe(0x30000n);
    expect(memory.regions()).toEqual([]);
  });

  it('needsExt: the ext_ halves are needed from 4 GiB on', () => {
    expect([0n, 0xffffffffn, 0x100000000n, 0xffff_ffff_ffff_ffffn].map(needsExt)).toEqual([false, false, true, true]);
  });

  it('buildZeroPage: ABOVE_4G for a relocatable kernel placed above 4 GiB without XLF_CAN_BE_LOADED_ABOVE_4G', () => {
    const low = head.slice();
    new DataView(low.buffer).setUint16(0x236, 0x1, true); // xloadflags: XLF_KERNEL_64 only
    const big = [...e820, { addr: 0x100000000n, size: 0x100000000n, type: E820_TYPE_RAM }];
    const r = buildZeroPage({ image: low, zeroPagePaddr: ZP, e820: big, kernelPaddr: 0x100000000n });
    expect(r.problems).toMatchObject([{ severity: 'error', code: 'ABOVE_4G', field: 'code32_start', paddr: 0x100000000n, message: 'the kernel is loaded above 4 GiB but it lacks XLF_CAN_BE_LOADED_ABOVE_4G' }]);
    expect(buildZeroPage({ image: head, zeroPagePaddr: ZP, e820: big, kernelPaddr: 0x100000000n }).problems).toEqual([]);
    // The zero page itself above 4 GiB: the same refusal, naming boot_params.
    expect(buildZeroPage({ image: low, zeroPagePaddr: 0x100001000n, e820: big }).problems).toMatchObject([
      { severity: 'error', code: 'ABOVE_4G', field: 'boot_params', paddr: 0x100001000n, message: 'the zero page ends above 4 GiB but the kernel lacks XLF_CAN_BE_LOADED_ABOVE_4G' },
    ]);
  });
});

describe('the setup header of the Debian kernel changed at version and jump', () => {
  it('decodeSetupHeader: TRUNCATED at the jump when it ends the header before version', () => {
    const short = head.slice();
    short[0x201] = 4; // jmp +4: the header would end at 0x206
    expect(() => decodeSetupHeader(short)).toThrow(refusal({ code: 'TRUNCATED', structure: 'setup_header', field: 'jump', offset: 0x200, reason: 'the jump ends the header at 0x206, before version' }));
  });

  it('validateSetupHeader: BAD_VERSION below 2.00 although "HdrS" is there', () => {
    const old = head.slice();
    new DataView(old.buffer).setUint16(0x206, 0x1ff, true);
    expect(validateSetupHeader(old).filter((p) => p.code === 'BAD_VERSION')).toEqual([
      { severity: 'error', code: 'BAD_VERSION', format: 'linux', structure: 'setup_header', field: 'version', offset: 0x206, message: 'version 0x1ff is below 2.00 although "HdrS" is present' },
    ]);
  });
});

import { readBytes } from '../helpers/files.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BootprotoError, createPhysicalMemory } from '../../src/core/index.js';
import {
  BOOT_E820_ENTRY,
  BOOT_PARAMS,
  E820_TYPE_RAM,
  E820_TYPE_RESERVED,
  EFI64_LOADER_SIGNATURE,
  SETUP_DTB,
  SETUP_E820_EXT,
  SETUP_INDIRECT,
  SETUP_RNG_SEED,
  bootParamsAddresses,
  decodeBootParams,
  emptyBootParams,
  encodeBootParams,
  encodeE820Entries,
  validateBootParams,
  validateZeroPageInMemory,
  viewBootParams,
  viewZeroPageE820,
  walkSetupData,
  writeSetupData,
  encodeSetupDataNode,
} from '../../src/linux-bootparams/index.js';

const head = readBytes('test/fixtures/linux-bootparams/vmlinuz-head.bin');

/** A zero page written by hand from zero-page.rst's offset table, with the real kernel's header copied in. */
function handMade(): Uint8Array {
  const zp = new Uint8Array(4096);
  const dv = new DataView(zp.buffer);
  const end = 0x202 + (head[0x201] as number);
  zp.set(head.subarray(0x1f1, end), 0x1f1);
  zp[0x00] = 3; // screen_info.orig_x
  zp[0x0f] = 1; // orig_video_isVGA
  dv.setUint32(0x3a, 0xabcd, true); // screen_info.ext_lfb_base
  dv.setBigUint64(0x058, 0x7000n, true); // tboot_addr
  dv.setBigUint64(0x070, 0xf5a40n, true); // acpi_rsdp_addr
  dv.setUint32(0x0c0, 1, true); // ext_ramdisk_image
  dv.setUint32(0x0c8, 2, true); // ext_cmd_line_ptr
  dv.setUint32(0x13c, 0xcc000, true); // cc_blob_address
  dv.setUint32(0x1c0, EFI64_LOADER_SIGNATURE, true);
  dv.setUint32(0x1c4, 0x7fe0000, true); // efi_systab
  dv.setUint32(0x1d8, 1, true); // efi_systab_hi
  dv.setUint32(0x1e0, 0x3ff00, true); // alt_mem_k
  dv.setUint32(0x228, 0x20000, true); // hdr.cmd_line_ptr
  dv.setUint32(0x218, 0x100000, true); // hdr.ramdisk_image
  zp[0x1e8] = 3; // e820_entries
  const e820 = [
    { addr: 0n, size: 0x9fc00n, type: E820_TYPE_RAM },
    { addr: 0x9fc00n, size: 0x400n, type: E820_TYPE_RESERVED },
    { addr: 0x100000n, size: 0x7ee0000n, type: E820_TYPE_RAM },
  ];
  encodeE820Entries(e820, zp, 0x2d0);
  zp[0x1e9] = 1; // eddbuf_entries
  zp[0xd00] = 0x80; // eddbuf[0].device
  dv.setUint16(0xd08, 74, true); // eddbuf[0].params.length
  dv.setUint32(0x290, 0xdeadbeef, true); // edd_mbr_sig_buffer[0]
  return zp;
}

describe('boot_params', () => {
  it('is 4096 bytes with e820 and edd where zero-page.rst puts them', () => {
    expect(BOOT_PARAMS.size).toBe(4096);
    expect(BOOT_E820_ENTRY.size).toBe(20);
    expect(BOOT_PARAMS.fields.e820Table.offset).toBe(0x2d0);
    expect(BOOT_PARAMS.fields.e820Table.length).toBe(0xa00);
    expect(BOOT_PARAMS.fields.eddbuf.offset).toBe(0xd00);
    expect(BOOT_PARAMS.fields.eddbuf.length).toBe(0x1ec);
    expect(BOOT_PARAMS.fields.hdr.offset).toBe(0x1f1);
    expect(BOOT_PARAMS.fields.ccBlobAddress.offset).toBe(0x13c);
  });

  it('decodes a hand-made zero page and re-encodes the same bytes', () => {
    const zp = handMade();
    const bp = decodeBootParams(zp);
    expect(bp.screenInfo.origX).toBe(3);
    expect(bp.screenInfo.origVideoIsVga).toBe(1);
    expect(bp.screenInfo.extLfbBase).toBe(0xabcd);
    expect(bp.tbootAddr).toBe(0x7000n);
    expect(bp.acpiRsdpAddr).toBe(0xf5a40n);
    expect(bp.ccBlobAddress).toBe(0xcc000);
    expect(bp.efiInfo.efiLoaderSignature).toBe(EFI64_LOADER_SIGNATURE);
    expect(bp.e820Entries).toBe(3);
    expect(bp.e820Table[2]).toEqual({ addr: 0x100000n, size: 0x7ee0000n, type: 1 });
    expect(bp.eddbuf).toHaveLength(1);
    expect(bp.eddbuf[0]?.device).toBe(0x80);
    expect(bp.eddbuf[0]?.params.length).toBe(74);
    expect(bp.eddMbrSigBuffer[0]).toBe(0xdeadbeef);
    expect(bp.hdr.version).toBe(0x20f);
    expect(bootParamsAddresses(bp)).toEqual({
      cmdLinePtr: 0x2_0002_0000n,
      ramdiskImage: 0x1_0010_0000n,
      ramdiskSize: 0n,
      efiSystab: 0x1_07fe_0000n,
      efiMemmap: 0n,
    });
    expect(encodeBootParams(bp)).toEqual(zp);
  });

  it('keeps unlisted table slots of the buffer it encodes into', () => {
    const zp = handMade();
    zp.fill(0x5a, 0x2d0 + 20 * 100, 0x2d0 + 20 * 101); // garbage in an unused slot
    const bp = decodeBootParams(zp);
    expect(encodeBootParams(bp, zp.slice())).toEqual(zp);
    expect(encodeBootParams(emptyBootParams())).toEqual(new Uint8Array(4096));
  });

  it('views members and walks e820 without decoding', () => {
    const zp = handMade();
    const v = viewBootParams(zp);
    expect(v.e820Entries).toBe(3);
    expect(v.acpiRsdpAddr).toBe(0xf5a40);
    const t = viewZeroPageE820(zp);
    let total = 0;
    for (let i = 0; i < t.count; i++) if (t.get(i).type === E820_TYPE_RAM) total += t.get(i).size;
    expect(total).toBe(0x9fc00 + 0x7ee0000);
  });

  it('rejects e820_entries above 128 in the view and reports it in validation', () => {
    const zp = handMade();
    zp[0x1e8] = 129;
    expect(() => viewZeroPageE820(zp)).toThrow(expect.objectContaining({ code: 'LIMIT' }));
    expect(decodeBootParams(zp).e820Table).toHaveLength(128);
    expect(validateBootParams(zp).map((p) => p.code)).toContain('E820_ENTRIES_LIMIT');
  });

  it('validates: a clean page has no errors; overlaps, sentinel, ext halves are found', () => {
    const zp = handMade();
    expect(validateBootParams(zp).filter((p) => p.severity === 'error')).toEqual([]);
    zp[0x1ef] = 0xff;
    encodeE820Entries([{ addr: 0x9f000n, size: 0x2000n, type: 2 }], zp, 0x2d0 + 20);
    const codes = validateBootParams(zp).map((p) => p.code);
    expect(codes).toContain('SENTINEL_SET');
    expect(codes).toContain('E820_OVERLAP');
    expect(validateBootParams(zp.subarray(0, 100))).toEqual([expect.objectContaining({ code: 'TRUNCATED' })]);
  });

  it('round-trips random zero pages when unused slots are given back', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 4096, maxLength: 4096 }), (bytes) => {
        const bp = decodeBootParams(bytes);
        expect(encodeBootParams(bp, bytes.slice())).toEqual(bytes);
      }),
      { numRuns: 50 },
    );
  });
});

describe('setup_data chain', () => {
  const ram = (): ReturnType<typeof createPhysicalMemory> => createPhysicalMemory([{ paddr: 0n, bytes: new Uint8Array(0x20000) }]);

  it('walks nodes written by writeSetupData and decodes known payloads', () => {
    const mem = ram();
    const dtb = new Uint8Array([0xd0, 0x0d, 0xfe, 0xed, 0, 0, 0, 0x10, 1, 2, 3, 4, 5, 6, 7, 8]);
    const e820 = encodeE820Entries([{ addr: 0x1_0000_0000n, size: 0x1000_0000n, type: 1 }]);
    const head0 = writeSetupData(mem, [
      { paddr: 0x10000n, type: SETUP_DTB, data: dtb },
      { paddr: 0x10100n, type: SETUP_E820_EXT, data: e820 },
      { paddr: 0x10200n, type: SETUP_RNG_SEED, data: new Uint8Array(32).fill(7) },
    ]);
    const nodes = walkSetupData(mem, head0);
    expect(nodes.map((n) => n.typeName)).toEqual(['SETUP_DTB', 'SETUP_E820_EXT', 'SETUP_RNG_SEED']);
    expect(nodes[0]?.payload).toEqual({ kind: 'SETUP_DTB', dtb, fdtMagic: true });
    expect(nodes[1]?.payload).toEqual({ kind: 'SETUP_E820_EXT', entries: [{ addr: 0x1_0000_0000n, size: 0x1000_0000n, type: 1 }], trailingBytes: 0 });
    expect(nodes[2]?.payload?.kind).toBe('SETUP_RNG_SEED');
  });

  it('resolves SETUP_INDIRECT to its target', () => {
    const mem = ram();
    const target = encodeE820Entries([{ addr: 0x2_0000_0000n, size: 0x1000n, type: 2 }]);
    mem.write(0x18000n, target);
    const ind = new Uint8Array(24);
    const dv = new DataView(ind.buffer);
    dv.setUint32(0, (SETUP_INDIRECT | SETUP_E820_EXT) >>> 0, true);
    dv.setBigUint64(8, BigInt(target.length), true);
    dv.setBigUint64(16, 0x18000n, true);
    mem.write(0x10000n, encodeSetupDataNode(0n, SETUP_INDIRECT, ind));
    const [n] = walkSetupData(mem, 0x10000n);
    expect(n?.typeName).toBe('SETUP_INDIRECT');
    expect(n?.indirect?.typeName).toBe('SETUP_INDIRECT|SETUP_E820_EXT');
    expect(n?.indirect?.payload).toEqual({ kind: 'SETUP_E820_EXT', entries: [{ addr: 0x2_0000_0000n, size: 0x1000n, type: 2 }], trailingBytes: 0 });
  });

  it('detects loops, absurd lengths and unmapped nodes', () => {
    const mem = ram();
    mem.write(0x10000n, encodeSetupDataNode(0x10100n, SETUP_RNG_SEED, new Uint8Array(8)));
    mem.write(0x10100n, encodeSetupDataNode(0x10000n, SETUP_RNG_SEED, new Uint8Array(8)));
    expect(() => walkSetupData(mem, 0x10000n)).toThrow(expect.objectContaining({ code: 'LOOP' }));
    mem.write(0x10100n, encodeSetupDataNode(0x10100n, SETUP_RNG_SEED, new Uint8Array(8)));
    expect(() => walkSetupData(mem, 0x10100n)).toThrow(expect.objectContaining({ code: 'LOOP' }));
    const big = encodeSetupDataNode(0n, SETUP_RNG_SEED, new Uint8Array(0));
    new DataView(big.buffer).setUint32(12, 0xffffffff, true);
    mem.write(0x11000n, big);
    expect(() => walkSetupData(mem, 0x11000n)).toThrow(expect.objectContaining({ code: 'LIMIT' }));
    expect(() => walkSetupData(mem, 0x11000n, { maxLen: 0xffffffff })).toThrow(expect.objectContaining({ code: 'UNMAPPED' }));
    expect(() => walkSetupData(mem, 0x90000n)).toThrow(expect.objectContaining({ code: 'UNMAPPED' }));
    // a long but finite chain hits the node bound
    for (let i = 0; i < 20; i++) mem.write(0x12000n + BigInt(i * 16), encodeSetupDataNode(i === 19 ? 0n : 0x12000n + BigInt((i + 1) * 16), SETUP_RNG_SEED, new Uint8Array(0)));
    expect(walkSetupData(mem, 0x12000n)).toHaveLength(20);
    expect(() => walkSetupData(mem, 0x12000n, { maxNodes: 10 })).toThrow(expect.objectContaining({ code: 'LIMIT' }));
  });

  it('validates a zero page in memory with its command line, initrd and chain', () => {
    const zp = handMade();
    const dv = new DataView(zp.buffer);
    dv.setUint32(0x0c0, 0, true);
    dv.setUint32(0x0c8, 0, true);
    dv.setUint32(0x228, 0x9000, true);
    dv.setUint32(0x218, 0x14000, true);
    dv.setUint32(0x21c, 0x1000, true);
    dv.setBigUint64(0x250, 0x10000n, true);
    const mem = ram();
    mem.write(0x7000n, zp);
    mem.write(0x9000n, new TextEncoder().encode('console=ttyS0 quiet\0'));
    mem.write(0x10000n, encodeSetupDataNode(0n, SETUP_DTB, new Uint8Array([1, 2, 3, 4])));
    const f = validateZeroPageInMemory(mem, 0x7000n);
    expect(f.cmdline).toBe('console=ttyS0 quiet');
    expect(f.setupData).toHaveLength(1);
    expect(f.problems.map((p) => p.code)).toEqual(['BAD_MAGIC']); // the DTB's magic
    dv.setUint32(0x218, 0x7800, true); // initrd over the zero page
    mem.write(0x7000n, zp);
    expect(validateZeroPageInMemory(mem, 0x7000n).problems.map((p) => p.code)).toContain('OVERLAP');
    expect(validateZeroPageInMemory(mem, 0x30000n).problems.map((p) => p.code)).toEqual(['UNMAPPED']);
  });
});

describe('bad input never escapes as anything but BootprotoError', () => {
  it('decoders and validators on mutated zero pages and images', () => {
    const base = handMade();
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(4095), fc.nat(255)), { maxLength: 40 }), fc.nat(4096), (muts, cut) => {
        const b = base.slice();
        for (const [i, v] of muts) b[i] = v;
        const t = b.subarray(0, cut);
        for (const fn of [() => decodeBootParams(t), () => viewZeroPageE820(t)]) {
          try {
            fn();
          } catch (e) {
            expect(e).toBeInstanceOf(BootprotoError);
          }
        }
        expect(() => validateBootParams(t)).not.toThrow();
        const mem = createPhysicalMemory([{ paddr: 0x1000n, bytes: b }]);
        expect(() => validateZeroPageInMemory(mem, 0x1000n)).not.toThrow();
      }),
      { numRuns: 300 },
    );
  });
});

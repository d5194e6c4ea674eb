/** Each known setup_data payload, from bytes written by hand from the kernel's structures. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  SETUP_APPLE_PROPERTIES,
  SETUP_CC_BLOB,
  SETUP_DTB,
  SETUP_E820_EXT,
  SETUP_EFI,
  SETUP_IMA,
  SETUP_INDIRECT,
  SETUP_JAILHOUSE,
  SETUP_KEXEC_KHO,
  SETUP_PCI,
  SETUP_RNG_SEED,
  SETUP_TYPE_MAX,
  decodeSetupHeader,
  decodeSetupPayload,
  encodeSetupHeader,
  setupTypeName,
} from '../../src/linux-bootparams/index.js';

const le = (n: number): DataView => new DataView(new ArrayBuffer(n));
const bytesOf = (dv: DataView): Uint8Array => new Uint8Array(dv.buffer);

describe('setup_data payloads', () => {
  it('names every type, with and without SETUP_INDIRECT', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map(setupTypeName)).toEqual([
      'SETUP_NONE', 'SETUP_E820_EXT', 'SETUP_DTB', 'SETUP_PCI', 'SETUP_EFI', 'SETUP_APPLE_PROPERTIES', 'SETUP_JAILHOUSE',
      'SETUP_CC_BLOB', 'SETUP_IMA', 'SETUP_RNG_SEED', 'SETUP_KEXEC_KHO',
    ]);
    expect(setupTypeName(SETUP_INDIRECT)).toBe('SETUP_INDIRECT');
    expect(setupTypeName((SETUP_INDIRECT | SETUP_DTB) >>> 0)).toBe('SETUP_INDIRECT|SETUP_DTB');
    expect(setupTypeName(0x1234)).toBe('0x1234');
    expect(SETUP_TYPE_MAX).toBe(0x8000000a);
  });

  it('SETUP_PCI: pci_setup_rom after the header (64-bit layout)', () => {
    const dv = le(48 + 4);
    dv.setUint16(0, 0x8086, true);
    dv.setUint16(2, 0x100e, true);
    dv.setBigUint64(8, 4n, true);
    dv.setBigUint64(16, 0n, true);
    dv.setBigUint64(24, 0n, true);
    dv.setBigUint64(32, 3n, true);
    dv.setBigUint64(40, 0n, true);
    dv.setUint32(48, 0xaa55aa55, true);
    const p = decodeSetupPayload(SETUP_PCI, bytesOf(dv));
    expect(p?.kind).toBe('SETUP_PCI');
    if (p?.kind !== 'SETUP_PCI') return;
    expect(p.rom).toMatchObject({ vendor: 0x8086, devid: 0x100e, pcilen: 4n, device: 3n });
    expect(p.romdata).toEqual(new Uint8Array([0x55, 0xaa, 0x55, 0xaa]));
    expect(() => decodeSetupPayload(SETUP_PCI, new Uint8Array(47))).toThrow(expect.objectContaining({ code: 'TRUNCATED', structure: 'pci_setup_rom' }));
  });

  it('SETUP_EFI, SETUP_IMA, SETUP_KEXEC_KHO, SETUP_CC_BLOB', () => {
    const efi = le(96);
    efi.setBigUint64(0, 0x7fe00000n, true);
    efi.setBigUint64(16, 0x7fe01000n, true);
    efi.setBigUint64(24, 0xf0000n, true);
    expect(decodeSetupPayload(SETUP_EFI, bytesOf(efi))).toMatchObject({ kind: 'SETUP_EFI', efi: { fwVendor: 0x7fe00000n, tables: 0x7fe01000n, smbios: 0xf0000n } });
    const ima = le(16);
    ima.setBigUint64(0, 0x12345000n, true);
    ima.setBigUint64(8, 0x2000n, true);
    expect(decodeSetupPayload(SETUP_IMA, bytesOf(ima))).toEqual({ kind: 'SETUP_IMA', ima: { addr: 0x12345000n, size: 0x2000n } });
    const kho = le(32);
    [1n, 2n, 3n, 4n].forEach((v, i) => kho.setBigUint64(i * 8, v, true));
    expect(decodeSetupPayload(SETUP_KEXEC_KHO, bytesOf(kho))).toEqual({ kind: 'SETUP_KEXEC_KHO', kho: { fdtAddr: 1n, fdtSize: 2n, scratchAddr: 3n, scratchSize: 4n } });
    const cc = le(4);
    cc.setUint32(0, 0xcc0000, true);
    expect(decodeSetupPayload(SETUP_CC_BLOB, bytesOf(cc))).toEqual({ kind: 'SETUP_CC_BLOB', ccBlobAddress: 0xcc0000 });
    expect(() => decodeSetupPayload(SETUP_IMA, new Uint8Array(8))).toThrow(expect.objectContaining({ code: 'TRUNCATED' }));
  });

  it('SETUP_JAILHOUSE version 1 (280 bytes) and 2 (284)', () => {
    const dv = le(284);
    dv.setUint16(0, 2, true);
    dv.setUint16(2, 1, true);
    dv.setUint16(4, 0x608, true);
    dv.setUint16(6, 2, true);
    dv.setBigUint64(8, 0xb0000000n, true);
    dv.setUint32(16, 2_000_000, true);
    dv.setUint32(20, 1_000_000, true);
    dv.setUint8(24, 1);
    dv.setUint8(25, 0);
    dv.setUint8(26, 1);
    dv.setUint32(280, 0x5, true);
    const v2 = decodeSetupPayload(SETUP_JAILHOUSE, bytesOf(dv));
    expect(v2).toMatchObject({ kind: 'SETUP_JAILHOUSE', jailhouse: { version: 2, compatibleVersion: 1, pmTimerAddress: 0x608, numCpus: 2, pciMmconfigBase: 0xb0000000n, tscKhz: 2_000_000, apicKhz: 1_000_000, standardIoapic: 1, flags: 5 } });
    const v1 = decodeSetupPayload(SETUP_JAILHOUSE, bytesOf(dv).subarray(0, 280));
    expect(v1?.kind === 'SETUP_JAILHOUSE' && v1.jailhouse.flags).toBeUndefined();
    expect(() => decodeSetupPayload(SETUP_JAILHOUSE, new Uint8Array(100))).toThrow(expect.objectContaining({ code: 'TRUNCATED' }));
  });

  it('raw payloads: DTB (with magic check), RNG seed, Apple properties; E820_EXT leftovers; unknown types', () => {
    expect(decodeSetupPayload(SETUP_DTB, new Uint8Array([1, 2, 3]))).toMatchObject({ kind: 'SETUP_DTB', fdtMagic: false });
    expect(decodeSetupPayload(SETUP_RNG_SEED, new Uint8Array(32))).toMatchObject({ kind: 'SETUP_RNG_SEED' });
    expect(decodeSetupPayload(SETUP_APPLE_PROPERTIES, new Uint8Array(5))).toMatchObject({ kind: 'SETUP_APPLE_PROPERTIES' });
    expect(decodeSetupPayload(SETUP_E820_EXT, new Uint8Array(45))).toMatchObject({ kind: 'SETUP_E820_EXT', trailingBytes: 5 });
    expect(decodeSetupPayload(0x77, new Uint8Array(5))).toBeUndefined();
  });
});

it('setup_header: decode then encode into the same bytes gives them back, for any version and jump', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 0x300, maxLength: 0x300 }), fc.integer({ min: 0x200, max: 0x2ff }), fc.integer({ min: 6, max: 0x7f }), (b, version, jump) => {
      b[0x200] = 0xeb;
      b[0x201] = jump;
      new DataView(b.buffer).setUint32(0x202, 0x53726448, true);
      new DataView(b.buffer).setUint16(0x206, version, true);
      const h = decodeSetupHeader(b);
      expect(encodeSetupHeader(h, b.slice())).toEqual(b);
      // a fresh buffer gets exactly the present fields
      const fresh = encodeSetupHeader(h);
      expect(decodeSetupHeader(new Uint8Array([...fresh, ...new Uint8Array(0x300 - fresh.length)]).map((x, i) => (i === 0x200 ? 0xeb : i === 0x201 ? jump : x)))).toEqual(h);
      expect(fresh.length).toBe(0x26c);
    }),
    { numRuns: 300 },
  );
});

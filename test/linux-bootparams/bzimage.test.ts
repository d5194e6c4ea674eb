import { readBytes } from '../helpers/files.js';
import { describe, expect, it } from 'vitest';
import { BootprotoError } from '../../src/core/index.js';
import {
  CAN_USE_HEAP,
  KERNEL_INFO_MAGIC,
  LOADED_HIGH,
  SETUP_HEADER,
  SETUP_HEADER_OFFSET,
  SETUP_TYPE_MAX,
  XLF_5LEVEL,
  XLF_CAN_BE_LOADED_ABOVE_4G,
  XLF_EFI_HANDOVER_64,
  XLF_KERNEL_64,
  checkImageChecksum,
  crc32Raw,
  decodeKernelInfo,
  decodeSetupHeader,
  decodeSetupHeaderFull,
  detectBzImage,
  detectCompression,
  encodeSetupHeader,
  flagNames,
  inspectBzImage,
  setupHeaderEnd,
  viewSetupHeader,
  XLOADFLAGS,
} from '../../src/linux-bootparams/index.js';

const fixture = (name: string): Uint8Array => readBytes(`test/fixtures/linux-bootparams/${name}`);
const head = fixture('vmlinuz-head.bin');
const facts = JSON.parse(new TextDecoder().decode(fixture('vmlinuz-facts.json'))) as Record<string, number | string>;

describe('setup_header of a real Debian kernel (head of vmlinuz)', () => {
  it('has the size bootparam.h gives and a header end from the jump', () => {
    expect(SETUP_HEADER.size).toBe(123);
    expect(setupHeaderEnd(head)).toBe(facts.headerEnd);
    expect(setupHeaderEnd(head)).toBe(SETUP_HEADER_OFFSET + SETUP_HEADER.size);
  });

  it('decodes the fields python read', () => {
    const h = decodeSetupHeader(head);
    expect(h.version).toBe(facts.protocol);
    expect(h.setupSects).toBe(facts.setupSects);
    expect(h.loadflags).toBe(facts.loadflags);
    expect(h.xloadflags).toBe(facts.xloadflags);
    expect(h.payloadOffset).toBe(facts.payloadOffset);
    expect(h.payloadLength).toBe(facts.payloadLength);
    expect(h.kernelInfoOffset).toBe(facts.kernelInfoOffset);
    expect(h.initSize).toBe(facts.initSize);
    expect(h.prefAddress).toBe(BigInt(facts.prefAddress as number));
    expect(h.kernelAlignment).toBe(facts.kernelAlignment);
    expect(h.handoverOffset).toBe(facts.handoverOffset);
    expect(h.cmdlineSize).toBe(facts.cmdlineSize);
    expect(h.initrdAddrMax).toBe(facts.initrdAddrMax);
    expect(h.bootFlag).toBe(0xaa55);
    expect(h.header).toBe(0x53726448);
    expect(flagNames(h.xloadflags ?? 0, XLOADFLAGS)).toContain('XLF_KERNEL_64');
    expect((h.xloadflags ?? 0) & (XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G | XLF_EFI_HANDOVER_64 | XLF_5LEVEL)).toBe(
      XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G | XLF_EFI_HANDOVER_64 | XLF_5LEVEL,
    );
    expect((h.loadflags ?? 0) & LOADED_HIGH).toBe(LOADED_HIGH);
  });

  it('re-encodes to the same bytes, and the view agrees with the decoder', () => {
    const h = decodeSetupHeader(head);
    const copy = head.slice();
    copy.fill(0, SETUP_HEADER_OFFSET, SETUP_HEADER_OFFSET + SETUP_HEADER.size);
    encodeSetupHeader(h, copy);
    expect(copy).toEqual(head);
    const v = viewSetupHeader(head);
    expect(v.payloadLength).toBe(h.payloadLength);
    expect(v.prefAddress).toBe(Number(h.prefAddress));
    expect(v.decode()).toEqual(decodeSetupHeaderFull(head));
  });

  it('leaves out fields the version does not have', () => {
    const old = head.slice(0, 0x300);
    new DataView(old.buffer).setUint16(0x206, 0x0202, true);
    const h = decodeSetupHeader(old);
    expect(h.cmdLinePtr).toBeDefined();
    expect(h.initrdAddrMax).toBeUndefined();
    expect(h.xloadflags).toBeUndefined();
    expect(h.kernelInfoOffset).toBeUndefined();
    // 2.14 is read as 2.13: no kernel_info_offset
    new DataView(old.buffer).setUint16(0x206, 0x020e, true);
    expect(decodeSetupHeader(old).kernelInfoOffset).toBeUndefined();
    expect(decodeSetupHeader(old).xloadflags).toBeDefined();
    // a jump that ends the header early hides the later fields
    const short = head.slice(0, 0x300);
    short[0x201] = 0x50; // header ends at 0x252
    const s = decodeSetupHeader(short);
    expect(s.payloadLength).toBeDefined();
    expect(s.setupData).toBeUndefined();
  });

  it('rejects what is not a 2.00+ header with BootprotoError', () => {
    expect(() => decodeSetupHeader(head.slice(0, 0x100))).toThrow(BootprotoError);
    const noHdrS = head.slice(0, 0x300);
    noHdrS[0x202] = 0;
    expect(() => decodeSetupHeader(noHdrS)).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_VERSION' }));
    const noJump = head.slice(0, 0x300);
    noJump[0x200] = 0x90;
    expect(() => decodeSetupHeader(noJump)).toThrow(expect.objectContaining({ code: 'BAD_MAGIC' }));
    expect(() => decodeSetupHeader(head.slice(0, 0x250))).toThrow(expect.objectContaining({ code: 'TRUNCATED' }));
  });
});

describe('bzImage layout', () => {
  it('finds setup, payload, version string and the PE header in the head', () => {
    expect(detectBzImage(head)).toBe(true);
    expect(detectBzImage(new Uint8Array(4096))).toBe(false);
    const info = inspectBzImage(head);
    expect(info.protocolText).toBe('2.15');
    expect(info.isBzImage).toBe(true);
    expect(info.setupSize).toBe(((facts.setupSects as number) + 1) * 512);
    expect(info.kernelVersion).toBe(facts.kernelVersion);
    expect(info.kernelVersion).toContain(`Debian ${facts.version as string}`);
    expect(info.payload?.fileOffset).toBe(info.setupSize + (facts.payloadOffset as number));
    expect(info.payload?.compression).toBe('xz');
    expect(info.payload?.complete).toBe(false);
    expect(info.peCoff).toEqual({ present: true, peOffset: facts.peOffset });
    expect(info.kernelInfo).toBeUndefined();
    expect(info.notes.some((n) => n.includes('kernel_info'))).toBe(true);
  });

  it('tells compression formats by magic', () => {
    const m = (...b: number[]): Uint8Array => new Uint8Array(b);
    expect(detectCompression(m(0x1f, 0x8b))).toBe('gzip');
    expect(detectCompression(m(0x1f, 0x9e))).toBe('gzip');
    expect(detectCompression(m(0x42, 0x5a, 0x68))).toBe('bzip2');
    expect(detectCompression(m(0x5d, 0x00, 0x00))).toBe('lzma');
    expect(detectCompression(m(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00))).toBe('xz');
    expect(detectCompression(m(0x89, 0x4c, 0x5a, 0x4f))).toBe('lzo');
    expect(detectCompression(m(0x02, 0x21, 0x4c, 0x18))).toBe('lz4');
    expect(detectCompression(m(0x28, 0xb5, 0x2f, 0xfd))).toBe('zstd');
    expect(detectCompression(m(0x7f, 0x45, 0x4c, 0x46))).toBe('elf');
    expect(detectCompression(m(0))).toBe('unknown');
  });
});

describe('kernel_info of the real kernel', () => {
  it('decodes LToP and setup_type_max', () => {
    const ki = decodeKernelInfo(fixture('kernel-info.bin'));
    expect(ki.header).toBe(KERNEL_INFO_MAGIC);
    expect(ki.size).toBe(16);
    expect(ki.sizeTotal).toBe(16);
    // 6.1 knows types up to SETUP_RNG_SEED (9), with SETUP_INDIRECT
    expect(ki.setupTypeMax).toBe(0x80000009);
    expect(ki.setupTypeMax).toBeLessThanOrEqual(SETUP_TYPE_MAX);
    expect(ki.chunks).toEqual([]);
  });

  it('walks variable-length chunks and rejects bad sizes', () => {
    const b = new Uint8Array(16 + 12 + 8);
    const dv = new DataView(b.buffer);
    dv.setUint32(0, KERNEL_INFO_MAGIC, true);
    dv.setUint32(4, 16, true);
    dv.setUint32(8, b.length, true);
    b.set([0x41, 0x42, 0x43, 0x44], 16);
    dv.setUint32(20, 12, true);
    b.set([0x30, 0x31, 0x32, 0x33], 28);
    dv.setUint32(32, 8, true);
    const ki = decodeKernelInfo(b);
    expect(ki.chunks.map((c) => [c.magic, c.size, c.data.length])).toEqual([['ABCD', 12, 4], ['0123', 8, 0]]);
    dv.setUint32(32, 9, true);
    expect(() => decodeKernelInfo(b)).toThrow(expect.objectContaining({ code: 'BAD_VALUE' }));
    dv.setUint32(32, 0, true);
    expect(() => decodeKernelInfo(b)).toThrow(BootprotoError);
    dv.setUint32(0, 0, true);
    expect(() => decodeKernelInfo(b)).toThrow(expect.objectContaining({ code: 'BAD_MAGIC' }));
  });
});

it('names loadflags bits', () => {
  expect(flagNames(LOADED_HIGH | CAN_USE_HEAP | 0x10, { LOADED_HIGH, CAN_USE_HEAP })).toEqual(['LOADED_HIGH', 'CAN_USE_HEAP', '0x10']);
});

describe('image checksum', () => {
  it('computes the CRC as the kernel build tool does, checked against zlib', () => {
    const data = head.subarray(0, 5000);
    // zlib's CRC-32 is the same register, inverted at the end: zlib.crc32 of
    // these bytes is 0x08240ace, and of "123456789" the catalogue's 0xcbf43926.
    expect(crc32Raw(data)).toBe(~0x08240ace >>> 0);
    expect(crc32Raw(new TextEncoder().encode('123456789'))).toBe(~0xcbf43926 >>> 0);
    // Appending the raw CRC makes the register over the whole file 0 (boot.rst's rule).
    const img = new Uint8Array(1024 + 64);
    img.set(head.subarray(0, 0x300));
    img[0x1f1] = 1; // setup_sects: real-mode part 1 KiB
    new DataView(img.buffer).setUint32(0x1f4, 4, true); // syssize: 64 bytes
    new DataView(img.buffer).setUint32(img.length - 4, crc32Raw(img.subarray(0, img.length - 4)), true);
    expect(crc32Raw(img)).toBe(0);
    expect(checkImageChecksum(img)).toEqual({ covered: img.length, stored: crc32Raw(img.subarray(0, img.length - 4)), computed: crc32Raw(img.subarray(0, img.length - 4)), ok: true, trailing: 0 });
    img[0x400] = (img[0x400] as number) ^ 1;
    expect(checkImageChecksum(img)?.ok).toBe(false);
    expect(checkImageChecksum(head)).toBeUndefined(); // the head stops before syssize's end
  });
});

/**
 * The refusals that the fixture tests do not reach: what checkMb1Handoff and
 * checkMb2Handoff report when the kernel image has no readable header or the
 * information cannot be read, the header checks of a kernel that asks for
 * video, and the errors of the Multiboot 1 header, a.out load and builder.
 * Inputs are the committed dumps and kernels, mutated at a named field.
 */
import { describe, expect, it } from 'vitest';
import { createPhysicalMemory, type Problem } from '../../src/core/index.js';
import {
  MULTIBOOT_AOUT_KLUDGE,
  MULTIBOOT_VIDEO_MODE,
  buildMb1Info,
  checkMb1Handoff,
  checkMb2Handoff,
  decodeMb1Handoff,
  decodeMb1Header,
  encodeMb1Header,
  findMb1Header,
  findMb2Header,
  mb1AoutLoad,
  validateMb1Handoff,
  validateMb1Header,
  type Mb1Header,
} from '../../src/multiboot/index.js';
import { readBytes, readText } from '../helpers/files.js';
import { memoryRegions, parseMbDump } from './dump.js';

const dir = 'test/fixtures/multiboot';
const read = (name: string): Uint8Array => readBytes(`${dir}/${name}`);

/** What `toThrow` should meet: a BootprotoError with these fields. */
const refusal = (fields: Record<string, unknown>): unknown => expect.objectContaining({ name: 'BootprotoError', ...fields });

/** `image` with the Multiboot 1 header at `offset` rewritten as `header`, its checksum made valid again. */
function withMb1Header(image: Uint8Array, offset: number, header: Mb1Header): Uint8Array {
  const out = image.slice();
  encodeMb1Header({ ...header, checksum: (0x100000000 - ((header.magic + header.flags) >>> 0)) >>> 0 }, out, offset);
  return out;
}

/** The whole problem a conformance check reports for an image without a header. */
const noHeader = (format: 'multiboot1' | 'multiboot2', message: string, rule: string): Problem => ({ severity: 'error', code: 'NO_HEADER', format, structure: 'multiboot_header', offset: 0, message, rule });

describe('checkMb1Handoff: the kernel image and the information', () => {
  const dump = parseMbDump(readText(`${dir}/qemu-mb1-elf-128M.serial.txt`));
  const memory = createPhysicalMemory(memoryRegions(dump));
  const elf = read('mb1-guest.elf');

  it('NO_HEADER when the image has no Multiboot header in its first 8 KiB (a module given as the kernel)', () => {
    const p = checkMb1Handoff(memory, dump.ebx, { eax: dump.eax, image: read('mod2.bin') });
    expect(p.filter((x) => x.severity === 'error')).toEqual([
      noHeader('multiboot1', 'the kernel image has no Multiboot header in its first 8 KiB', 'Multiboot 0.6.96 §3.1.1 "The layout of Multiboot header": the header lies within the first 8192 bytes, 32-bit aligned'),
    ]);
  });

  it('NO_HEADER naming the field when the header is there but its enabled fields are cut off', () => {
    // The a.out kernel's header (flags with MULTIBOOT_AOUT_KLUDGE: 32 bytes), the file cut after 12.
    const aout = read('mb1-guest-aout.bin');
    const flags = findMb1Header(aout)?.header.flags ?? 0;
    expect(flags & MULTIBOOT_AOUT_KLUDGE).toBe(MULTIBOOT_AOUT_KLUDGE);
    const p = checkMb1Handoff(memory, dump.ebx, { image: aout.subarray(0, 12) });
    expect(p.filter((x) => x.severity === 'error')).toMatchObject([
      {
        code: 'NO_HEADER',
        structure: 'multiboot_header',
        field: 'entry_addr',
        message: `the kernel's Multiboot header cannot be read: flags 0x${flags.toString(16)} need 32 bytes, 12 given`,
        rule: 'Multiboot 0.6.96 §3.1.1 "The layout of Multiboot header"',
      },
    ]);
  });

  it('VIDEO_INFO_MISSING: the kernel sets header flag 2, QEMU gives neither VBE nor framebuffer information (§3.1.2)', () => {
    const found = findMb1Header(elf);
    expect(found?.offset).toBe(0x1000);
    const video = withMb1Header(elf, 0x1000, { ...(found?.header as Mb1Header), flags: (found?.header.flags ?? 0) | MULTIBOOT_VIDEO_MODE });
    expect(checkMb1Handoff(memory, dump.ebx, { eax: dump.eax, image: elf }).filter((x) => x.severity === 'error')).toEqual([]);
    const p = checkMb1Handoff(memory, dump.ebx, { eax: dump.eax, image: video }).filter((x) => x.severity === 'error');
    expect(p).toMatchObject([
      {
        code: 'VIDEO_INFO_MISSING',
        structure: 'multiboot_info',
        field: 'flags',
        message: 'the kernel set header flag bit 2 but the information has neither VBE (bit 11) nor framebuffer (bit 12) information',
        rule: expect.stringMatching(/^Multiboot 0\.6\.96 §3\.1\.2 .*with bit 2, information about the video mode must be available$/),
      },
    ]);
  });

  it("the header's requests are not checked against information that cannot be read; the validator's error stands alone", () => {
    // %ebx pointing 8 bytes before the end of the dumped memory: the structure is cut off.
    const info = dump.regions.find((r) => r.label === 'info');
    const cut = createPhysicalMemory([{ paddr: info?.paddr ?? 0n, bytes: (info?.bytes ?? new Uint8Array()).subarray(0, 8) }]);
    const p = checkMb1Handoff(cut, dump.ebx, { image: elf });
    expect(p.length).toBeGreaterThan(0);
    expect(p.every((x) => x.code !== 'MEMORY_INFO_MISSING' && x.code !== 'VIDEO_INFO_MISSING')).toBe(true);
    expect(p[0]).toMatchObject({ severity: 'error', format: 'multiboot1', rule: expect.stringMatching(/^Multiboot 0\.6\.96 §3\.3/) });
  });
});

describe('checkMb2Handoff: the kernel image and the information', () => {
  const dump = parseMbDump(readText(`${dir}/grub-mb2-128M.serial.txt`), 'BOOTPROTO-MB2-DUMP v1');
  const memory = createPhysicalMemory(memoryRegions(dump));
  const image = read('mb2-guest.elf');
  const found = findMb2Header(image);

  /** The image with its first required information request's tag rewritten: `requests` in place of its first entries. */
  function withRequests(requests: number[]): Uint8Array {
    const out = image.slice();
    const dv = new DataView(out.buffer);
    const start = found?.offset ?? 0;
    for (let o = start + 16; o + 8 <= start + (found?.header.headerLength ?? 0); o += (dv.getUint32(o + 4, true) + 7) & ~7) {
      if (dv.getUint16(o, true) === 1 && (dv.getUint16(o + 2, true) & 1) === 0) {
        expect(dv.getUint32(o + 4, true)).toBeGreaterThanOrEqual(8 + 4 * requests.length);
        requests.forEach((r, i) => dv.setUint32(o + 8 + 4 * i, r, true));
        return out;
      }
    }
    throw new Error('mb2-guest.elf has no required information request');
  }

  it('NO_HEADER when the image has no Multiboot2 header in its first 32 KiB', () => {
    const p = checkMb2Handoff(memory, dump.ebx, { eax: dump.eax, image: read('mod2.bin') });
    expect(p.filter((x) => x.severity === 'error')).toEqual([
      noHeader('multiboot2', 'the kernel image has no Multiboot2 header in its first 32 KiB', 'Multiboot2 2.0 §3.1.1 "The layout of Multiboot2 header": the header lies within the first 32768 bytes, 64-bit aligned'),
    ]);
  });

  it('NO_HEADER naming header_length when the image ends inside the header', () => {
    const at = found?.offset ?? 0;
    const length = found?.header.headerLength ?? 0;
    const p = checkMb2Handoff(memory, dump.ebx, { image: image.subarray(0, at + 16) });
    expect(p.filter((x) => x.severity === 'error')).toMatchObject([
      {
        code: 'NO_HEADER',
        structure: 'multiboot_header',
        field: 'header_length',
        message: `the kernel's Multiboot2 header cannot be read: header_length ${length} runs past the 16 bytes given`,
        rule: 'Multiboot2 2.0 §3.1.1 "The layout of Multiboot2 header"',
      },
    ]);
  });

  it('a required request of type 0 (the end tag) asks for nothing; an unknown type is named "unknown"', () => {
    expect(checkMb2Handoff(memory, dump.ebx, { image: withRequests([0]) }).filter((x) => x.severity === 'error')).toEqual([]);
    const p = checkMb2Handoff(memory, dump.ebx, { image: withRequests([0x7777]) }).filter((x) => x.severity === 'error');
    expect(p).toMatchObject([
      {
        code: 'REQUESTED_TAG_MISSING',
        structure: 'multiboot2_info',
        message: 'the kernel requires tag 30583 (unknown) and the information has none',
      },
    ]);
  });

  it('required tags are not looked for in information that cannot be read; the validator reports why', () => {
    const info = dump.regions.find((r) => r.label === 'info');
    const cut = createPhysicalMemory([{ paddr: info?.paddr ?? 0n, bytes: (info?.bytes ?? new Uint8Array()).subarray(0, 16) }]);
    const p = checkMb2Handoff(cut, dump.ebx, { image });
    expect(p.map((x) => x.code)).not.toContain('REQUESTED_TAG_MISSING');
    expect(p[0]).toMatchObject({ severity: 'error', format: 'multiboot2', rule: expect.stringMatching(/^Multiboot2 2\.0 §3\.6/) });
  });
});

describe('Multiboot 1 header: the refusals of the decoder, the a.out load and the encoder', () => {
  const aout = read('mb1-guest-aout.bin');
  const found = findMb1Header(aout);
  const h = found?.header as Mb1Header;

  it('TRUNCATED names depth when the video fields (48 bytes) run past the image', () => {
    const video = withMb1Header(aout, 0, { ...h, flags: h.flags | MULTIBOOT_VIDEO_MODE }).subarray(0, 40);
    expect(() => decodeMb1Header(video)).toThrow(refusal({ code: 'TRUNCATED', structure: 'multiboot_header', field: 'depth', offset: 0, reason: `flags 0x${(h.flags | MULTIBOOT_VIDEO_MODE).toString(16)} need 48 bytes, 40 given` }));
  });

  it('load_end_addr 0 loads the rest of the file; a bss_end_addr below the end of the load is refused', () => {
    const whole = withMb1Header(aout, 0, { ...h, loadEndAddr: 0 });
    const load = mb1AoutLoad(whole, findMb1Header(whole) ?? { offset: 0, header: h });
    expect(load).toMatchObject({ fileOffset: 0, loadAddr: h.loadAddr, loadSize: aout.length, bssEnd: h.bssEndAddr });
    const noBss = withMb1Header(aout, 0, { ...h, bssEndAddr: 0 });
    expect(mb1AoutLoad(noBss, findMb1Header(noBss) ?? { offset: 0, header: h }).bssEnd).toBe((h.loadEndAddr ?? 0));

    const low = withMb1Header(aout, 0, { ...h, bssEndAddr: (h.loadAddr ?? 0) + 16 });
    expect(() => mb1AoutLoad(low, findMb1Header(low) ?? { offset: 0, header: h })).toThrow(refusal({ code: 'BAD_VALUE', structure: 'multiboot_header', field: 'bss_end_addr', offset: 24, reason: `bss_end_addr 0x${((h.loadAddr ?? 0) + 16).toString(16)} is below the end of the load 0x${(h.loadEndAddr ?? 0).toString(16)}` }));
    expect(validateMb1Header(low)).toMatchObject([{ severity: 'error', code: 'BAD_AOUT_FIELDS', field: 'bss_end_addr', offset: 24 }]);
  });

  it('a header object without load_end_addr, bss_end_addr and entry_addr (built by hand) loads the rest of the file, no bss, entry 0', () => {
    const bare: Mb1Header = { magic: h.magic, flags: h.flags, checksum: h.checksum, headerAddr: h.headerAddr ?? 0, loadAddr: h.loadAddr ?? 0 };
    expect(mb1AoutLoad(aout, { offset: 0, header: bare })).toEqual({ fileOffset: 0, loadAddr: h.loadAddr, loadSize: aout.length, bssEnd: (h.loadAddr ?? 0) + aout.length, entry: 0 });
  });

  it('UNKNOWN_MODE_TYPE: a graphics mode type other than 0 and 1 is a warning at offset 32', () => {
    const image = new Uint8Array(aout.length + 16);
    image.set(aout.subarray(0, 32));
    const video = withMb1Header(image, 0, { ...h, flags: h.flags | MULTIBOOT_VIDEO_MODE, loadEndAddr: 0, bssEndAddr: 0, modeType: 2, width: 80, height: 25, depth: 0 });
    expect(validateMb1Header(video)).toEqual([
      {
        severity: 'warning',
        code: 'UNKNOWN_MODE_TYPE',
        format: 'multiboot1',
        structure: 'multiboot_header',
        field: 'mode_type',
        offset: 32,
        message: 'mode_type 2 is reserved (0: linear graphics, 1: EGA text)',
      },
    ]);
    expect(validateMb1Header(withMb1Header(video, 0, { ...h, flags: h.flags | MULTIBOOT_VIDEO_MODE, loadEndAddr: 0, bssEndAddr: 0, modeType: 1 }))).toEqual([]);
  });

  it('the encoder refuses an offset where the header does not fit, writing nothing', () => {
    const into = new Uint8Array(40);
    for (const offset of [16, -4, 1.5]) {
      expect(() => encodeMb1Header(h, into, offset)).toThrow(refusal({ code: 'TRUNCATED', structure: 'multiboot_header', offset, reason: `32 bytes do not fit at ${offset} in 40` }));
    }
    expect(into).toEqual(new Uint8Array(40));
  });
});

describe('buildMb1Info: what a loader cannot write', () => {
  const qemu = parseMbDump(readText(`${dir}/qemu-mb1-elf-128M.serial.txt`));

  it('refuses a.out symbols and ELF section headers together (flags bits 4 and 5), writing nothing', () => {
    const memory = createPhysicalMemory([], { growable: true });
    expect(() =>
      buildMb1Info(
        memory,
        {
          aoutSyms: { tabsize: 0, strsize: 0, bytes: new Uint8Array(8) },
          elfSections: { num: 0, size: 40, shndx: 0, headers: new Uint8Array(0) },
        },
        { info: qemu.ebx },
      ),).toThrow(refusal({ code: 'BAD_VALUE', structure: 'multiboot_info', field: 'syms', offset: 28, reason: 'a.out symbols and ELF section headers are mutually exclusive' }));
    expect(memory.regions()).toEqual([]);
  });

  it('refuses a memory map entry whose size does not cover base_addr, length and type', () => {
    expect(() => buildMb1Info(createPhysicalMemory([], { growable: true }), { mmap: [{ addr: 0n, len: 0x9fc00n, type: 1 }, { addr: 0x100000n, len: 0x100000n, type: 1, size: 16 }] }, { info: qemu.ebx })).toThrow(refusal({ code: 'BAD_VALUE', structure: 'multiboot_mmap_entry', field: 'size', offset: 24, reason: 'size 16 is below 20' }));
  });

  it('refuses a piece that would lie above 4 GiB (Multiboot 1 pointers are 32-bit)', () => {
    expect(() => buildMb1Info(createPhysicalMemory([], { growable: true }), { cmdline: 'x' }, { info: qemu.ebx, data: 0x100000000n })).toThrow(refusal({ code: 'BAD_VALUE', structure: 'multiboot_info', reason: 'cmdline at 0x100000000 is above 4 GiB: Multiboot 1 pointers are 32-bit' }));
  });
});

describe('validateMb1Handoff: drives, entry counts and the address itself', () => {
  const build = (): { memory: ReturnType<typeof createPhysicalMemory>; drivesAt: bigint; info: bigint } => {
    const memory = createPhysicalMemory([], { growable: true });
    const built = buildMb1Info(
      memory,
      {
        mmap: [
          { addr: 0n, len: 0x9fc00n, type: 1 },
          { addr: 0x100000n, len: 0x7ee0000n, type: 1 },
        ],
        drives: [
          { driveNumber: 0x80, driveMode: 1, driveCylinders: 1024, driveHeads: 16, driveSectors: 63, drivePorts: [0x1f0] },
          { driveNumber: 0x81, driveMode: 1, driveCylinders: 1024, driveHeads: 16, driveSectors: 63, drivePorts: [] },
        ],
      },
      { info: 0x9000 },
    );
    const drives = built.regions.find((r) => r.label === 'drives');
    return { memory, drivesAt: drives?.paddr ?? 0n, info: built.infoPaddr };
  };

  it('the built information is clean', () => {
    const { memory, info } = build();
    expect(validateMb1Handoff(memory, info)).toEqual([]);
  });

  it('BAD_DRIVE naming size when a drive structure is smaller than its 10 fixed bytes', () => {
    const { memory, drivesAt, info } = build();
    memory.write(drivesAt, new Uint8Array([8, 0, 0, 0]));
    expect(validateMb1Handoff(memory, info)).toEqual([
      { severity: 'error', code: 'BAD_DRIVE', format: 'multiboot1', structure: 'multiboot_drive', field: 'size', offset: 0, paddr: drivesAt, message: 'size 8 is below 10' },
    ]);
  });

  it('LIMIT past maxDrives and maxMmapEntries, at the entry where the bound is met', () => {
    const { memory, drivesAt, info } = build();
    const p = validateMb1Handoff(memory, info, { maxDrives: 1, maxMmapEntries: 1 });
    expect(p.map((x) => [x.code, x.structure, x.offset, x.message])).toEqual([
      ['LIMIT', 'multiboot_mmap_entry', 24, 'more than 1 entries'],
      ['LIMIT', 'multiboot_drive', 14, 'more than 1 drives'], // the first drive: 10 bytes, port 0x1f0 and the 0 ending the list
    ]);
    expect(p[1]?.paddr).toBe(drivesAt + 14n);
  });

  it('an address that is not a physical address is one problem, not a throw', () => {
    const { memory } = build();
    expect(validateMb1Handoff(memory, -8)).toMatchObject([{ severity: 'error', code: 'BAD_VALUE', format: 'multiboot1', structure: 'multiboot_info' }]);
  });
});

describe('buildMb1Info: empty lists', () => {
  it('an empty drive list sets flags bit 7 with drives_addr and drives_length 0; an empty palette leaves framebuffer_palette_addr 0', () => {
    const memory = createPhysicalMemory([], { growable: true });
    const built = buildMb1Info(memory, { drives: [], framebuffer: { addr: 0xb8000n, pitch: 160, width: 80, height: 25, bpp: 16, type: 0, palette: [] } }, { info: 0x9000 });
    const h = decodeMb1Handoff(memory, built.infoPaddr);
    expect(h.info).toMatchObject({ flags: (1 << 7) | (1 << 12), drivesAddr: 0, drivesLength: 0 });
    expect(h.drives).toEqual([]);
    expect(h.framebuffer?.palette).toEqual({ addr: 0, colors: [] }); // framebuffer_palette_addr 0, num_colors 0
    expect(built.regions.map((r) => r.label)).toEqual(['multiboot_info']);
    expect(validateMb1Handoff(memory, built.infoPaddr)).toEqual([]);
  });
});

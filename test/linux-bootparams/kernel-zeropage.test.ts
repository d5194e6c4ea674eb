/**
 * Zero pages the real Debian 6.1 kernel received from QEMU (its own copy, read
 * from /sys/kernel/boot_params/data), with what the kernel printed about them.
 * See test/fixtures/linux-bootparams/README.md.
 */
import { readBytes } from '../helpers/files.js';
import { describe, expect, it } from 'vitest';
import {
  E820_TYPE_RAM,
  E820_TYPE_RESERVED,
  SETUP_DTB,
  checkLoaderResult,
  decodeBootParams,
  detectBootParams,
  validateBootParams,
  viewZeroPageE820,
  type BootE820Entry,
} from '../../src/linux-bootparams/index.js';

const file = (name: string): Uint8Array => readBytes(`test/fixtures/linux-bootparams/${name}`);
const head = file('vmlinuz-head.bin');

describe.each(['pc-256M', 'q35-512M'])('the kernel’s zero page under QEMU %s', (name) => {
  const zp = file(`kernel-${name}.zeropage.bin`);
  const view = new TextDecoder().decode(file(`kernel-${name}.view.txt`)).split('\n');

  it('decodes, validates and matches what the kernel printed', () => {
    expect(detectBootParams(zp)).toBe(true);
    const bp = decodeBootParams(zp);
    expect(validateBootParams(zp).filter((p) => p.severity === 'error')).toEqual([]);
    expect(view[0]).toBe(`version 0x${bp.hdr.version.toString(16).padStart(4, '0')}`);
    expect(view[1]).toBe(`setup_data 0x${SETUP_DTB.toString(16)}`);
    expect(bp.hdr.setupData).not.toBe(0n);
    expect(bp.hdr.cmdLinePtr).toBe(0x20000);
    const printed: BootE820Entry[] = view
      .map((l) => /BIOS-e820: \[mem 0x([0-9a-f]+)-0x([0-9a-f]+)\] (usable|reserved)$/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ addr: BigInt(`0x${m[1]}`), size: BigInt(`0x${m[2]}`) - BigInt(`0x${m[1]}`) + 1n, type: m[3] === 'usable' ? E820_TYPE_RAM : E820_TYPE_RESERVED }));
    expect(bp.e820Table).toEqual(printed);
    // FIELD-NOTES: a reserved range far above RAM at 0xfd00000000.
    expect(bp.e820Table.some((e) => e.addr === 0xfd00000000n && e.type === E820_TYPE_RESERVED)).toBe(true);
    // The view walk agrees with the decoder.
    const t = viewZeroPageE820(zp);
    expect(Array.from({ length: t.count }, (_, i) => t.get(i).addrBig)).toEqual(bp.e820Table.map((e) => e.addr));
  });

  it('shows only lawful loader changes against the image, KASLR_FLAG being the kernel’s', () => {
    const r = checkLoaderResult(head, zp, { captured: 'boot_params', kernelRan: true });
    expect(r.problems).toEqual([]);
    expect(r.changes.every((c) => c.allowed)).toBe(true);
    expect(r.changes.map((c) => c.field)).toEqual(['type_of_loader', 'loadflags', 'ramdisk_image', 'ramdisk_size', 'heap_end_ptr', 'cmd_line_ptr', 'setup_data']);
  });
});

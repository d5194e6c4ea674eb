/**
 * The command line's handlers for the x86 Linux boot protocol: a bzImage's
 * setup header, a zero page from a file or from memory (with what it points
 * to), and the detected kernel image.
 */
import { BootprotoError, hasErrors, hex, readSourceSync, type PhysicalMemory, type Problem, type SyncByteSource } from '../core/index.js';
import { decodeMemoryMap } from '../efi-memmap/index.js';
import {
  BOOT_PARAMS,
  decodeBootParams,
  decodeSetupHeader,
  inspectBzImage,
  readBzImageHeadersSync,
  validateBootParams,
  validateSetupHeader,
  validateZeroPageInMemory,
  type EfiInfo,
} from '../linux-bootparams/index.js';
import { renderEfiMemoryMap } from './efi-memmap.js';
import { renderTree, type Lines } from './render.js';
import type { Inspection, StructHandler } from './types.js';

function tree(format: string, key: string, value: unknown, problems: Problem[], extra: Record<string, unknown> = {}): Inspection {
  const lines: Lines = [];
  renderTree(lines, '', key, value);
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) renderTree(lines, '', k, v);
  return { json: { format, [key]: value, ...extra, problems }, lines, problems };
}

/** `--as boot-params`: the 4096-byte zero page. */
export const bootParams: StructHandler = {
  name: 'boot-params',
  summary: 'the x86 Linux zero page (boot_params), and in memory what it points to',
  fromMemory(memory, paddr) {
    const findings = validateZeroPageInMemory(memory, paddr);
    try {
      const page = decodeBootParams(memory.read(paddr, BOOT_PARAMS.size, { format: 'linux', structure: 'boot_params' }));
      const result = tree('boot-params', 'bootParams', page, findings.problems, { cmdline: findings.cmdline, setupData: findings.setupData });
      result.lines.push(...efiMemmapOf(memory, page.efiInfo));
      return result;
    } catch (e) {
      if (!(e instanceof BootprotoError) || !hasErrors(findings.problems)) throw e;
      return { json: { format: 'boot-params', bootParams: null, problems: findings.problems }, lines: ['boot_params: not decodable (see problems)'], problems: findings.problems, incomplete: true };
    }
  },
  fromBytes(bytes, offset) {
    return tree('boot-params', 'bootParams', decodeBootParams(bytes, offset), validateBootParams(bytes, offset));
  },
};

/** The EFI memory map `efi_info` points to (an EFI boot), shown as the efi-memmap handler shows a map. */
function efiMemmapOf(memory: PhysicalMemory, efi: EfiInfo): Lines {
  const at = (BigInt(efi.efiMemmapHi) << 32n) | BigInt(efi.efiMemmap);
  if (at === 0n || efi.efiMemmapSize === 0) return [];
  try {
    const bytes = memory.read(at, efi.efiMemmapSize, { format: 'linux', structure: 'efi_info', field: 'efi_memmap' });
    const map = decodeMemoryMap(bytes, { descriptorSize: efi.efiMemdescSize, descriptorVersion: efi.efiMemdescVersion });
    return [`efi_info.efi_memmap @ ${hex(at)}, decoded:`, ...renderEfiMemoryMap(map, 0, '  ')];
  } catch (e) {
    if (!(e instanceof BootprotoError)) throw e;
    return [`efi_info.efi_memmap @ ${hex(at)}: ${e.message}`];
  }
}

/** `--as setup-header`: the setup header of a kernel image or zero page. */
export const setupHeader: StructHandler = {
  name: 'setup-header',
  summary: "the setup_header of a bzImage or zero page (at 0x1f1 of the bytes given)",
  fromBytes(bytes, offset) {
    return tree('setup-header', 'setupHeader', decodeSetupHeader(bytes, offset), validateSetupHeader(bytes, offset));
  },
};

/** Inspects a bzImage: where its parts are, its payload, version string and EFI stub. */
export function inspectKernelImage(bytes: Uint8Array): Inspection {
  return tree('bzimage', 'bzImage', inspectBzImage(bytes), validateSetupHeader(bytes));
}

/**
 * Inspects a kernel image too large to read whole (see main.ts,
 * WHOLE_FILE_LIMIT) through `source`: what {@link inspectKernelImage}
 * shows, read from a few KiB of the file, without the image checksum (it
 * covers the whole kernel part).
 */
export function inspectKernelImageSource(source: SyncByteSource): Inspection {
  const info = readBzImageHeadersSync(source);
  // The setup header lies in the first KiB; its checks need nothing after it.
  const head = readSourceSync(source, 0, Math.min(source.size, 1024), { format: 'linux', structure: 'setup_header' });
  return tree('bzimage', 'bzImage', info, validateSetupHeader(head));
}

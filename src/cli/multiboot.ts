/**
 * The command line's Multiboot handlers: the boot information a loader left
 * in memory (Multiboot 1 and 2), and the headers of a kernel image.
 */
import { BootprotoError, hasErrors, type PhysicalMemory, type Problem } from '../core/index.js';
import {
  decodeMb1Handoff,
  findMb1Header,
  findMb2Header,
  mb2EfiMemoryMap,
  readMb2Info,
  type Mb2Info,
  checkMb1Handoff,
  validateMb1Header,
  validateMb2Header,
  checkMb2Handoff,
} from '../multiboot/index.js';
import { renderEfiMemoryMap } from './efi-memmap.js';
import { renderTree, type Lines } from './render.js';
import { UsageError, type Inspection, type StructHandler } from './types.js';

/** Decodes after validating; when decoding fails the validator's problems explain it. */
function decodeOrReport(format: string, title: string, problems: Problem[], decode: () => unknown): Inspection {
  try {
    const value = decode();
    const lines: Lines = [];
    renderTree(lines, '', title, value);
    // No structure found (a header search that came back empty) is not a decode.
    return { json: { format, [title]: value, problems }, lines, problems, ...(value === null ? { incomplete: true } : {}) };
  } catch (e) {
    if (!(e instanceof BootprotoError) || !hasErrors(problems)) throw e;
    return { json: { format, [title]: null, problems }, lines: [`${title}: not decodable (see problems)`], problems, incomplete: true };
  }
}

function fromImageOnly(name: string): (memory: PhysicalMemory) => Inspection {
  return () => {
    throw new BootprotoError({ code: 'BAD_VALUE', format: 'multiboot1', structure: name, offset: 0, reason: 'a header is read from an image FILE, not from --load regions' });
  };
}

/** `--as mb1-info`: the Multiboot 1 information and everything it points to. */
export const mb1Info: StructHandler = {
  name: 'mb1-info',
  summary: 'Multiboot 1 boot information (multiboot_info) and what it points to',
  fromMemory(memory, paddr) {
    return decodeOrReport('mb1-info', 'handoff', checkMb1Handoff(memory, paddr), () => decodeMb1Handoff(memory, paddr));
  },
  fromBytes(_bytes, offset) {
    void offset;
    throw new UsageError('--as mb1-info: the information points into memory: give --load FILE@PADDR regions and --at PADDR');
  },
};

/** `--as mb2-info`: the Multiboot 2 information tags. */
export const mb2Info: StructHandler = {
  name: 'mb2-info',
  summary: 'Multiboot 2 boot information (every tag)',
  fromMemory(memory, paddr) {
    const result = decodeOrReport('mb2-info', 'info', checkMb2Handoff(memory, paddr), () => readMb2Info(memory, paddr));
    if (result.incomplete) return result;
    // An EFI memory map tag is shown as the efi-memmap handler shows a map.
    for (const tag of (result.json['info'] as Mb2Info).tags) {
      if (tag.kind !== 'efi-mmap') continue;
      try {
        result.lines.push(`efi-mmap tag (type 17), decoded:`, ...renderEfiMemoryMap(mb2EfiMemoryMap(tag), 0, '  '));
      } catch (e) {
        if (!(e instanceof BootprotoError)) throw e;
        result.lines.push(`efi-mmap tag (type 17): ${e.message}`);
      }
    }
    return result;
  },
  fromBytes(_bytes, offset) {
    void offset;
    throw new UsageError('--as mb2-info: give --load FILE@PADDR regions and --at PADDR');
  },
};

/** `--as mb1-header`: the Multiboot 1 header of a kernel image. */
export const mb1Header: StructHandler = {
  name: 'mb1-header',
  summary: 'the Multiboot 1 header of a kernel image (searched in its first 8 KiB)',
  fromMemory: fromImageOnly('multiboot_header'),
  fromBytes(bytes) {
    return decodeOrReport('mb1-header', 'header', validateMb1Header(bytes), () => findMb1Header(bytes) ?? null);
  },
};

/** `--as mb2-header`: the Multiboot 2 header of a kernel image. */
export const mb2Header: StructHandler = {
  name: 'mb2-header',
  summary: 'the Multiboot 2 header of a kernel image (searched in its first 32 KiB)',
  fromMemory: fromImageOnly('multiboot2_header'),
  fromBytes(bytes) {
    return decodeOrReport('mb2-header', 'header', validateMb2Header(bytes), () => findMb2Header(bytes) ?? null);
  },
};

/** The Multiboot headers an image carries, as extra facts of another format's inspection (an ELF kernel, Xen). */
export function multibootHeaders(bytes: Uint8Array): { lines: Lines; json: Record<string, unknown> } {
  const lines: Lines = [];
  const json: Record<string, unknown> = {};
  for (const [key, find] of [['multiboot1', findMb1Header], ['multiboot2', findMb2Header]] as const) {
    try {
      const found = find(bytes);
      if (found !== undefined) {
        json[key] = found;
        renderTree(lines, '', `${key} header`, found);
      }
    } catch (e) {
      if (!(e instanceof BootprotoError)) throw e;
      lines.push(`${key} header: ${e.message}`);
    }
  }
  return { lines, json };
}

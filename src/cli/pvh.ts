/**
 * The command line's Xen PVH handlers: a handoff in physical memory, a raw
 * start_info, and an ELF image's PVH entry note.
 */
import { BootprotoError, hasErrors, hex, type Problem } from '../core/index.js';
import {
  HVM_MEMMAP_TABLE_ENTRY,
  HVM_MODLIST_ENTRY,
  HVM_START_INFO,
  HVM_START_INFO_V0,
  XEN_HVM_MEMMAP_TYPES,
  decodeHandoff,
  decodeStartInfo,
  findPvhEntry,
  validatePvhEntry,
  checkPvhHandoff,
  validateStartInfo,
  type PvhHandoff,
} from '../pvh/index.js';
import { humanSize, renderStruct, type Lines } from './render.js';
import type { Inspection, StructHandler } from './types.js';

function renderHandoff(h: PvhHandoff, problems: Problem[]): Lines {
  const out: Lines = [];
  const layout = h.startInfo.version === 0 ? HVM_START_INFO_V0 : HVM_START_INFO;
  renderStruct(out, '', 'hvm_start_info', layout, h.startInfo, h.startInfoPaddr);
  out.push(`cmdline${h.cmdline === undefined ? ': (none)' : ` @ ${hex(h.startInfo.cmdlinePaddr)}: ${JSON.stringify(h.cmdline)}`}`);
  out.push(`modules: ${h.modules.length}${h.modules.length > 0 ? ` @ ${hex(h.startInfo.modlistPaddr)}` : ''}`);
  h.modules.forEach((m, i) => {
    renderStruct(out, '  ', `[${i}] hvm_modlist_entry`, HVM_MODLIST_ENTRY, m, h.startInfo.modlistPaddr + BigInt(i * HVM_MODLIST_ENTRY.size));
    out.push(`      range [${hex(m.paddr)}, ${hex(m.paddr + m.size)}) ${humanSize(m.size)}${m.cmdline === undefined ? '' : `, cmdline ${JSON.stringify(m.cmdline)}`}`);
  });
  out.push(`memmap: ${h.memmap.length} entries${h.memmap.length > 0 ? ` @ ${hex(h.startInfo.memmapPaddr ?? 0n)} (${HVM_MEMMAP_TABLE_ENTRY.name}, ${HVM_MEMMAP_TABLE_ENTRY.size} bytes each)` : ''}`);
  const w = 18;
  h.memmap.forEach((e, i) => {
    const last = e.size === 0n ? e.addr : e.addr + e.size - 1n;
    const name = XEN_HVM_MEMMAP_TYPES[e.type] ?? `unknown type ${e.type}`;
    out.push(`  [${String(i).padStart(2)}] +0x${(i * HVM_MEMMAP_TABLE_ENTRY.size).toString(16).padStart(3, '0')} ${hex(e.addr).padStart(w)}-${hex(last).padEnd(w)} ${name.padEnd(28)} ${humanSize(e.size)}`);
  });
  out.push(`rsdp: ${h.rsdpPaddr === undefined ? '(none)' : hex(h.rsdpPaddr)}`);
  const ram = h.memmap.filter((e) => e.type === 1).reduce((a, e) => a + e.size, 0n);
  if (h.memmap.length > 0) out.push(`RAM in memmap: ${hex(ram)} (${humanSize(ram)})`);
  void problems;
  return out;
}

/** `--as pvh-start-info`. */
export const pvhStartInfo: StructHandler = {
  name: 'pvh-start-info',
  summary: 'Xen PVH hvm_start_info and everything it points to',
  fromMemory(memory, paddr) {
    // The conformance check: everything validateHandoff finds, each problem with its rule.
    const problems = checkPvhHandoff(memory, paddr);
    let handoff: PvhHandoff;
    try {
      handoff = decodeHandoff(memory, paddr);
    } catch (e) {
      // What cannot be decoded has been reported by the validator: show that.
      if (!(e instanceof BootprotoError) || !hasErrors(problems)) throw e;
      return { json: { format: 'pvh-start-info', handoff: null, problems }, lines: ['hvm_start_info: not decodable (see problems)'], problems, incomplete: true };
    }
    return { json: { format: 'pvh-start-info', handoff, problems }, lines: renderHandoff(handoff, problems), problems };
  },
  fromBytes(bytes, offset) {
    const problems = validateStartInfo(bytes, offset);
    const startInfo = decodeStartInfo(bytes, offset);
    const lines: Lines = [];
    renderStruct(lines, '', 'hvm_start_info', startInfo.version === 0 ? HVM_START_INFO_V0 : HVM_START_INFO, startInfo);
    lines.push('(pointers not followed: load memory regions with --load FILE@PADDR and give --at)');
    return { json: { format: 'pvh-start-info', startInfo, problems }, lines, problems };
  },
};

/** Inspects an ELF image that carries a PVH entry note. */
export function inspectPvhElf(bytes: Uint8Array): Inspection {
  const problems = validatePvhEntry(bytes);
  const note = findPvhEntry(bytes);
  const lines: Lines = [];
  if (note === undefined) {
    // Not a PVH kernel: that is a fact about the image, not a problem with it
    // (malformed ELF still is).
    const elfProblems = problems.filter((p) => p.code !== 'NOT_FOUND');
    lines.push('ELF image without a XEN_ELFNOTE_PHYS32_ENTRY note: not PVH-bootable');
    return { json: { format: 'elf', note: null, problems: elfProblems }, lines, problems: elfProblems };
  }
  lines.push(`ELF${note.elfClass} image with a PVH entry note`);
  lines.push(`  XEN_ELFNOTE_PHYS32_ENTRY @ file offset ${hex(note.offset)}`);
  lines.push(`    entry      ${hex(note.entry)}`);
  lines.push(`    descsz     ${note.descSize}`);
  lines.push(`    found in   ${note.sources.map((s) => (s === 'segment' ? 'PT_NOTE segment' : 'SHT_NOTE section')).join(', ')}`);
  return { json: { format: 'pvh-elf', note, problems }, lines, problems };
}

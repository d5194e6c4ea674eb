/**
 * The inspector's model: what a file holds, as a tree of named nodes that
 * know which bytes they came from, and the problems the validators report.
 * Uses only the library's public API; no DOM here, so tests can call it.
 */
import {
  BootprotoError,
  createPhysicalMemory,
  decodeLayout,
  detectFormat,
  ELF32_SHDR,
  ELF64_SHDR,
  efiMemmap,
  fdt,
  hex,
  linuxBootparams,
  multiboot,
  pecoff,
  pvh,
  specName,
  type DetectedFormat,
  type Field,
  type Layout,
  type Problem,
} from '../src/index.js';

/** One line of the tree: a name, a value, and the bytes it stands for. */
export interface Node {
  label: string;
  value?: string;
  /** File offset of the first byte. */
  offset?: number;
  /** Number of bytes (with {@link Node.offset}). */
  size?: number;
  children?: Node[];
}

/** What the inspector shows for one file. */
export interface Inspection {
  format: DetectedFormat | string;
  /** A sentence saying what the file is. */
  title: string;
  tree: Node[];
  problems: Problem[];
}

/** A structure to decode instead of detecting one (the samples that name one with `--as`). */
export interface AsHint {
  as: string;
  /** Where the file sits in guest memory (samples that load several regions). */
  paddr?: bigint;
  /** Other regions of guest memory, to validate what the structure points to. */
  regions?: { paddr: bigint; bytes: Uint8Array; label: string }[];
  params?: Record<string, string>;
}

const MAX_CHILDREN = 512;

function describe(f: Field | undefined, value: unknown): string {
  if (value instanceof Uint8Array) {
    const head = Array.from(value.subarray(0, 16), (b) => b.toString(16).padStart(2, '0')).join(' ');
    return value.length > 16 ? `${head} …` : head;
  }
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'boolean') return String(value);
  if (typeof value !== 'number' && typeof value !== 'bigint') return '';
  let text = value < 10 ? String(value) : `${hex(value)}${typeof value === 'number' && Number.isInteger(value) ? ` (${value})` : ''}`;
  if (f?.values !== undefined && typeof value === 'number') text += `  ${f.values[value] ?? ''}`;
  if (f?.flags !== undefined) {
    const v = BigInt(value);
    const names = Object.entries(f.flags)
      .filter(([, bit]) => (v & BigInt(bit)) !== 0n)
      .map(([name]) => name);
    if (names.length > 0) text += `  ${names.join(' | ')}`;
  }
  return text.trim();
}

/** Any decoded value as nodes (no offsets known). */
export function valueNode(label: string, value: unknown, depth = 0): Node {
  if (value === null || value === undefined || typeof value !== 'object' || value instanceof Uint8Array) {
    return { label, value: value === undefined ? '' : value === null ? 'null' : describe(undefined, value) };
  }
  if (depth > 10) return { label, value: '…' };
  if (Array.isArray(value)) {
    const children = value.slice(0, MAX_CHILDREN).map((v, i) => valueNode(`[${i}]`, v, depth + 1));
    if (value.length > MAX_CHILDREN) children.push({ label: `… ${value.length - MAX_CHILDREN} more` });
    return { label, value: `${value.length} item${value.length === 1 ? '' : 's'}`, children };
  }
  const children = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined && typeof v !== 'function')
    .map(([k, v]) => valueNode(k, v, depth + 1));
  return { label, children };
}

/** A structure decoded through its layout table: each field with its offset and size. */
export function layoutNode(label: string, layout: Layout, value: object, base: number): Node {
  const record = value as Record<string, unknown>;
  const children: Node[] = [];
  for (const key of layout.order) {
    const f = layout.fields[key] as Field;
    const v = record[key];
    if (v === undefined) continue;
    const name = specName(key, f);
    if (typeof v === 'object' && !(v instanceof Uint8Array) && v !== null) {
      const inner = valueNode(name, v);
      children.push({ ...inner, offset: base + f.offset, size: f.length });
    } else {
      children.push({ label: name, value: describe(f, v), offset: base + f.offset, size: f.length });
    }
  }
  return { label, value: `${layout.size} bytes @ ${hex(base)}`, offset: base, size: layout.size, children };
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

function fdtNodes(bytes: Uint8Array): { tree: Node[]; problems: Problem[] } {
  const problems = fdt.validateFdt(bytes);
  const header = fdt.decodeFdtHeader(bytes);
  const tree: Node[] = [layoutNode('fdt_header', fdt.fdtHeaderLayout(header.version), header, 0)];
  const blob = fdt.decodeFdt(bytes);
  const rsv = blob.reservations.map((r, i) =>
    layoutNode(`[${i}] fdt_reserve_entry`, fdt.FDT_RESERVE_ENTRY, r, header.offMemRsvmap + i * fdt.FDT_RESERVE_ENTRY.size),
  );
  tree.push({ label: 'memory reservation block', value: `${rsv.length} entries`, offset: header.offMemRsvmap, size: (rsv.length + 1) * 16, children: rsv });
  const outline = fdt.fdtOutline(bytes);
  const walk = (n: fdt.FdtOutlineNode): Node => ({
    label: n.name === '' ? '/' : n.name,
    value: n.name === '' ? 'root node' : n.path,
    offset: n.offset,
    size: 4 + align4(n.name.length + 1),
    children: [
      ...n.properties.map((p) => ({ label: p.name, value: p.text, offset: p.offset, size: 12 + align4(p.length) })),
      ...n.children.map(walk),
    ],
  });
  if (outline !== undefined) {
    tree.push({ label: 'structure block', offset: header.offDtStruct, size: header.sizeDtStruct ?? 0, children: [walk(outline)] });
  }
  return { tree, problems };
}

function peNodes(bytes: Uint8Array): Node[] {
  const image = pecoff.decodePeImage(bytes);
  const optLayout = image.pe32Plus ? pecoff.IMAGE_OPTIONAL_HEADER64 : pecoff.IMAGE_OPTIONAL_HEADER32;
  const dirBase = image.optionalHeaderOffset + optLayout.size;
  const nodes: Node[] = [
    layoutNode('IMAGE_DOS_HEADER', pecoff.IMAGE_DOS_HEADER, image.dosHeader, 0),
    { label: 'PE signature', value: '"PE\\0\\0"', offset: image.peOffset, size: 4 },
    layoutNode('IMAGE_FILE_HEADER', pecoff.IMAGE_FILE_HEADER, image.fileHeader, image.fileHeaderOffset),
    layoutNode(image.pe32Plus ? 'IMAGE_OPTIONAL_HEADER64' : 'IMAGE_OPTIONAL_HEADER32', optLayout, image.optionalHeader, image.optionalHeaderOffset),
    {
      label: 'data directories',
      value: `${image.dataDirectories.length}`,
      offset: dirBase,
      size: image.dataDirectories.length * pecoff.IMAGE_DATA_DIRECTORY.size,
      children: image.dataDirectories.map((d, i) => {
        return layoutNode(`[${i}] ${d.name}`, pecoff.IMAGE_DATA_DIRECTORY, d, d.entryOffset);
      }),
    },
    {
      label: 'section table',
      value: `${image.sections.length} sections`,
      offset: image.sectionTableOffset,
      size: image.sections.length * pecoff.IMAGE_SECTION_HEADER.size,
      children: image.sections.map((s, i) => {
        const n = layoutNode(`[${i}] ${s.name}`, pecoff.IMAGE_SECTION_HEADER, s, image.sectionTableOffset + i * pecoff.IMAGE_SECTION_HEADER.size);
        if (s.sizeOfRawData > 0 && s.pointerToRawData < bytes.length) {
          n.children?.push({ label: 'raw data', value: `${s.sizeOfRawData} bytes`, offset: s.pointerToRawData, size: Math.min(s.sizeOfRawData, bytes.length - s.pointerToRawData) });
        }
        return n;
      }),
    },
  ];
  try {
    const summary = pecoff.summarizePeImage(bytes);
    const { problems: _p, sections: _s, ...facts } = summary;
    void _p;
    void _s;
    nodes.push(valueNode('summary', facts));
  } catch (e) {
    if (!(e instanceof BootprotoError)) throw e;
  }
  return nodes;
}

function bzImageNodes(bytes: Uint8Array): Node[] {
  const info = linuxBootparams.inspectBzImage(bytes);
  const nodes: Node[] = [layoutNode('setup_header', linuxBootparams.SETUP_HEADER, info.header, linuxBootparams.SETUP_HEADER_OFFSET)];
  nodes.push({ label: 'real-mode setup', value: `${info.setupSize} bytes`, offset: 0, size: Math.min(info.setupSize, bytes.length) });
  if (info.payload !== undefined && info.payload.fileOffset < bytes.length) {
    nodes.push({
      label: 'payload',
      value: `${info.payload.compression}, ${info.payload.length} bytes${info.payload.complete ? '' : ' (file ends first)'}`,
      offset: info.payload.fileOffset,
      size: Math.min(info.payload.length, bytes.length - info.payload.fileOffset),
    });
  }
  const { header: _h, payload: _p, ...facts } = info;
  void _h;
  void _p;
  nodes.push(valueNode('image', facts));
  if (pecoff.detectPeImage(bytes)) {
    try {
      nodes.push({ label: 'EFI stub (PE/COFF)', children: peNodes(bytes) });
    } catch (e) {
      if (!(e instanceof BootprotoError)) throw e;
    }
  }
  return nodes;
}

const align8 = (n: number): number => (n + 7) & ~7;

/** What a Multiboot 2 tag's node needs to know of the tag (information and header tags alike). */
interface TagBytes {
  size: number;
  tail?: Uint8Array;
  padding?: Uint8Array;
}

/**
 * One Multiboot 2 tag at file offset `at`: its fixed part field by field
 * through `layout` (the fields it shares with `head` named through `head`), then `rest` (what follows the fixed part), the bytes
 * inside `size` that the type does not define, and the padding to the next
 * 8-byte boundary.
 */
function tagNode(head: Layout, label: string, layout: Layout, tag: TagBytes, at: number, rest: Node[] = []): Node {
  const n = layoutNode(label, layout, tag, at);
  n.value = `${tag.size} bytes @ ${hex(at)}`;
  n.size = tag.size;
  // The head's fields (type, flags) with the names the head's table gives their values.
  const record = tag as unknown as Record<string, unknown>;
  for (const c of n.children ?? []) {
    const key = head.order.find((k) => specName(k, head.fields[k] as Field) === c.label);
    if (key !== undefined) c.value = describe(head.fields[key] as Field, record[key]);
  }
  const children = [...(n.children ?? []), ...rest];
  const tail = tag.tail?.length ?? 0;
  if (tail > 0) children.push({ label: 'undefined bytes', value: describe(undefined, tag.tail), offset: at + tag.size - tail, size: tail });
  const pad = align8(tag.size) - tag.size;
  if (pad > 0) children.push({ label: 'padding', value: tag.padding === undefined ? 'zero' : `not zero: ${describe(undefined, tag.padding)}`, offset: at + tag.size, size: pad });
  n.children = children;
  return n;
}

/** Bytes inside a tag after its fixed part: `count` bytes at `at`. */
function rawNode(label: string, value: Uint8Array | string, at: number, count: number): Node {
  return { label, value: typeof value === 'string' ? JSON.stringify(value) : `${value.length} bytes${value.length > 0 ? `: ${describe(undefined, value)}` : ''}`, offset: at, size: count };
}

/** Fixed-size entries (`count` of `step` bytes from `at`), each read by `one`. */
function entryNodes(count: number, at: number, step: number, one: (i: number, offset: number) => Node): Node[] {
  const nodes: Node[] = [];
  for (let i = 0; i < Math.min(count, MAX_CHILDREN); i++) nodes.push(one(i, at + i * step));
  if (count > MAX_CHILDREN) nodes.push({ label: `… ${count - MAX_CHILDREN} more` });
  return nodes;
}

/** A Multiboot 2 information tag at file offset `at`, every field with its bytes. */
function mb2InfoTagNode(index: number, t: multiboot.Mb2Tag, at: number): Node {
  const label = `[${index}] ${multiboot.MULTIBOOT2_TAG_TYPES[t.type] ?? `type ${t.type}`}`;
  const head = multiboot.MULTIBOOT2_TAG;
  const tail = t.tail?.length ?? 0;
  switch (t.kind) {
    case 'cmdline':
    case 'boot-loader-name':
      return tagNode(head, label, head, t, at, [rawNode('string', t.string, at + head.size, t.size - head.size - tail)]);
    case 'module': {
      const fixed = multiboot.MULTIBOOT2_TAG_MODULE;
      return tagNode(head, label, fixed, t, at, [rawNode('string', t.string, at + fixed.size, t.size - fixed.size - tail)]);
    }
    case 'basic-meminfo':
      return tagNode(head, label, multiboot.MULTIBOOT2_TAG_BASIC_MEMINFO, t, at);
    case 'bootdev':
      return tagNode(head, label, multiboot.MULTIBOOT2_TAG_BOOTDEV, t, at);
    case 'mmap': {
      const fixed = multiboot.MULTIBOOT2_TAG_MMAP;
      const entries = entryNodes(t.entries.length, at + fixed.size, t.entrySize, (i, o) => {
        const e = t.entries[i]!;
        const n = layoutNode(`[${i}] ${multiboot.MULTIBOOT2_MEMORY_TYPES[e.type] ?? `type ${e.type}`}`, multiboot.MULTIBOOT2_MMAP_ENTRY, e, o);
        n.size = t.entrySize;
        if (e.extra !== undefined && e.extra.length > 0) n.children?.push(rawNode('rest of the entry', e.extra, o + multiboot.MULTIBOOT2_MMAP_ENTRY.size, e.extra.length));
        return n;
      });
      return tagNode(head, label, fixed, t, at, [{ label: 'entries', value: `${t.entries.length}`, offset: at + fixed.size, size: t.entries.length * t.entrySize, children: entries }]);
    }
    case 'vbe':
      return tagNode(head, label, multiboot.MULTIBOOT2_TAG_VBE, t, at);
    case 'framebuffer': {
      const fixed = multiboot.MULTIBOOT2_TAG_FRAMEBUFFER_COMMON;
      const rest: Node[] = [];
      const after = at + fixed.size;
      if (t.rgb !== undefined) rest.push(layoutNode('color info (RGB)', multiboot.MULTIBOOT2_FRAMEBUFFER_RGB, t.rgb, after));
      if (t.palette !== undefined) {
        const colors = entryNodes(t.palette.length, after + 2, 3, (i, o) => {
          const c = t.palette![i]!;
          return {
            label: `[${i}]`,
            value: `#${[c.red, c.green, c.blue].map((x) => x.toString(16).padStart(2, '0')).join('')}`,
            offset: o,
            size: 3,
            children: [
              { label: 'red', value: String(c.red), offset: o, size: 1 },
              { label: 'green', value: String(c.green), offset: o + 1, size: 1 },
              { label: 'blue', value: String(c.blue), offset: o + 2, size: 1 },
            ],
          };
        });
        rest.push({ label: 'framebuffer_palette_num_colors', value: String(t.palette.length), offset: after, size: 2 });
        rest.push({ label: 'framebuffer_palette', value: `${t.palette.length} colours`, offset: after + 2, size: 3 * t.palette.length, children: colors });
      }
      return tagNode(head, label, fixed, t, at, rest);
    }
    case 'elf-sections': {
      const fixed = multiboot.MULTIBOOT2_TAG_ELF_SECTIONS;
      const shdr: Layout | undefined = t.entsize === ELF32_SHDR[0].size ? ELF32_SHDR[0] : t.entsize === ELF64_SHDR[0].size ? ELF64_SHDR[0] : undefined;
      const count = t.entsize > 0 ? Math.min(t.num, Math.floor(t.sections.length / t.entsize)) : 0;
      const entries = entryNodes(count, at + fixed.size, t.entsize, (i, o) =>
        shdr === undefined
          ? rawNode(`[${i}]`, t.sections.subarray(i * t.entsize, (i + 1) * t.entsize), o, t.entsize)
          : layoutNode(`[${i}] ${shdr.name}`, shdr, decodeLayout(shdr, t.sections, i * t.entsize), o),
      );
      return tagNode(head, label, fixed, t, at, [{ label: 'sections', value: `${count} of ${t.entsize} bytes`, offset: at + fixed.size, size: t.sections.length, children: entries }]);
    }
    case 'apm':
      return tagNode(head, label, multiboot.MULTIBOOT2_TAG_APM, t, at);
    case 'efi32':
    case 'efi32-ih':
      return tagNode(head, label, head, t, at, [{ label: 'pointer', value: describe(undefined, t.pointer), offset: at + head.size, size: 4 }]);
    case 'efi64':
    case 'efi64-ih':
      return tagNode(head, label, multiboot.MULTIBOOT2_TAG_EFI64, t, at);
    case 'smbios': {
      const fixed = multiboot.MULTIBOOT2_TAG_SMBIOS;
      return tagNode(head, label, fixed, t, at, [rawNode('tables', t.tables, at + fixed.size, t.tables.length)]);
    }
    case 'acpi-old':
    case 'acpi-new':
      return tagNode(head, label, head, t, at, [rawNode('rsdp', t.rsdp, at + head.size, t.rsdp.length)]);
    case 'network':
      return tagNode(head, label, head, t, at, [rawNode('dhcpack', t.dhcpack, at + head.size, t.dhcpack.length)]);
    case 'efi-mmap': {
      const fixed = multiboot.MULTIBOOT2_TAG_EFI_MMAP;
      const base = at + fixed.size;
      let rest: Node[];
      try {
        const map = efiMemmap.decodeMemoryMap(t.efiMmap, { descriptorSize: t.descrSize, descriptorVersion: t.descrVers });
        const descriptors = entryNodes(map.descriptors.length, base, t.descrSize, (i, o) =>
          layoutNode(`[${i}] ${efiMemmap.memoryTypeName(map.descriptors[i]!.type)}`, efiMemmap.EFI_MEMORY_DESCRIPTOR, map.descriptors[i]!, o),
        );
        rest = [{ label: 'efi_mmap', value: `${map.descriptors.length} descriptors`, offset: base, size: t.efiMmap.length, children: descriptors }];
      } catch (e) {
        if (!(e instanceof BootprotoError)) throw e;
        rest = [rawNode('efi_mmap', t.efiMmap, base, t.efiMmap.length)];
      }
      return tagNode(head, label, fixed, t, at, rest);
    }
    case 'load-base-addr':
      return tagNode(head, label, head, t, at, [{ label: 'load_base_addr', value: describe(undefined, t.loadBaseAddr), offset: at + head.size, size: 4 }]);
    case 'end':
    case 'efi-bs':
      return tagNode(head, label, head, t, at);
    case 'unknown':
      return tagNode(head, label, head, t, at, [rawNode('data', t.data, at + head.size, t.data.length)]);
  }
}

/** A Multiboot 2 header tag at file offset `at`, every field with its bytes. */
function mb2HeaderTagNode(index: number, t: multiboot.Mb2HeaderTag, at: number): Node {
  const label = `[${index}] ${multiboot.MULTIBOOT2_HEADER_TAG_TYPES[t.type] ?? `type ${t.type}`}`;
  const head = multiboot.MULTIBOOT2_HEADER_TAG;
  switch (t.kind) {
    case 'information-request':
      return tagNode(head, label, head, t, at, [
        {
          label: 'mbi_tag_types',
          value: `${t.requests.length}`,
          offset: at + head.size,
          size: 4 * t.requests.length,
          children: entryNodes(t.requests.length, at + head.size, 4, (i, o) => ({
            label: `[${i}]`,
            value: `${t.requests[i]}  ${multiboot.MULTIBOOT2_TAG_TYPES[t.requests[i]!] ?? ''}`.trim(),
            offset: o,
            size: 4,
          })),
        },
      ]);
    case 'address':
      return tagNode(head, label, multiboot.MULTIBOOT2_HEADER_TAG_ADDRESS_LAYOUT, t, at);
    case 'entry-address':
    case 'entry-address-efi32':
    case 'entry-address-efi64':
      return tagNode(head, label, multiboot.MULTIBOOT2_HEADER_TAG_ENTRY_ADDRESS_LAYOUT, t, at);
    case 'console-flags':
      return tagNode(head, label, multiboot.MULTIBOOT2_HEADER_TAG_CONSOLE_FLAGS_LAYOUT, t, at);
    case 'framebuffer':
      return tagNode(head, label, multiboot.MULTIBOOT2_HEADER_TAG_FRAMEBUFFER_LAYOUT, t, at);
    case 'relocatable':
      return tagNode(head, label, multiboot.MULTIBOOT2_HEADER_TAG_RELOCATABLE_LAYOUT, t, at);
    case 'end':
    case 'module-align':
    case 'efi-bs':
      return tagNode(head, label, head, t, at);
    case 'unknown':
      return tagNode(head, label, head, t, at, [rawNode('data', t.data, at + head.size, t.data.length)]);
  }
}

function multibootHeaderNodes(bytes: Uint8Array): { tree: Node[]; problems: Problem[] } {
  const tree: Node[] = [];
  const problems: Problem[] = [];
  const mb1 = multiboot.findMb1Header(bytes);
  if (mb1 !== undefined) {
    tree.push(layoutNode('multiboot_header (Multiboot 1)', multiboot.MULTIBOOT_HEADER, mb1.header, mb1.offset));
    problems.push(...multiboot.validateMb1Header(bytes));
  }
  const mb2 = multiboot.findMb2Header(bytes);
  if (mb2 !== undefined) {
    const n = layoutNode('multiboot_header (Multiboot 2)', multiboot.MULTIBOOT2_HEADER, mb2.header, mb2.offset);
    n.size = mb2.header.headerLength;
    n.value = `${mb2.header.headerLength} bytes @ ${hex(mb2.offset)}`;
    let at = mb2.offset + multiboot.MULTIBOOT2_HEADER.size;
    const tags = mb2.header.tags.map((t, i) => {
      const node = mb2HeaderTagNode(i, t, at);
      at += align8(t.size);
      return node;
    });
    n.children?.push({ label: 'tags', value: `${tags.length}`, offset: mb2.offset + multiboot.MULTIBOOT2_HEADER.size, size: at - mb2.offset - multiboot.MULTIBOOT2_HEADER.size, children: tags });
    tree.push(n);
    problems.push(...multiboot.validateMb2Header(bytes));
  }
  return { tree, problems };
}

function byStruct(bytes: Uint8Array, hint: AsHint): Inspection {
  const paddr = hint.paddr ?? 0n;
  const regions = hint.regions ?? [];
  const memory = createPhysicalMemory([{ paddr, bytes, label: 'this file' }, ...regions]);
  // Problems found through memory carry a physical address: turn it into an offset in this file.
  const local = (ps: Problem[]): Problem[] =>
    ps.map((p) => (p.paddr !== undefined && p.paddr >= paddr && p.paddr < paddr + BigInt(bytes.length) ? { ...p, offset: Number(p.paddr - paddr) } : p));
  switch (hint.as) {
    case 'pvh-start-info': {
      const si = pvh.decodeStartInfo(bytes);
      const tree = [layoutNode('hvm_start_info', si.version === 0 ? pvh.HVM_START_INFO_V0 : pvh.HVM_START_INFO, si, 0)];
      let problems = pvh.validateStartInfo(bytes);
      if (regions.length > 0) {
        problems = local(pvh.validateHandoff(memory, paddr));
        try {
          const h = pvh.decodeHandoff(memory, paddr);
          tree.push(valueNode('what it points to', { cmdline: h.cmdline, modules: h.modules, memmap: h.memmap, rsdpPaddr: h.rsdpPaddr }));
        } catch (e) {
          if (!(e instanceof BootprotoError)) throw e;
        }
      }
      return { format: 'pvh-start-info', title: 'Xen PVH hvm_start_info', tree, problems };
    }
    case 'mb1-info': {
      const info = multiboot.decodeMb1Info(bytes);
      const tree = [layoutNode('multiboot_info', multiboot.MULTIBOOT_INFO, info, 0)];
      const problems = local(multiboot.validateMb1Handoff(memory, paddr));
      try {
        tree.push(valueNode('what it points to', multiboot.decodeMb1Handoff(memory, paddr)));
      } catch (e) {
        if (!(e instanceof BootprotoError)) throw e;
      }
      return { format: 'mb1-info', title: 'Multiboot 1 information structure', tree, problems };
    }
    case 'mb2-info': {
      const info = multiboot.decodeMb2Info(bytes);
      let at = multiboot.MULTIBOOT2_INFO.size;
      const tags = info.tags.map((t, i) => {
        const n = mb2InfoTagNode(i, t, at);
        at += align8(t.size);
        return n;
      });
      const { tags: _t, ...fixed } = info;
      void _t;
      const first = multiboot.MULTIBOOT2_INFO.size;
      const tree: Node[] = [
        layoutNode('multiboot2 information', multiboot.MULTIBOOT2_INFO, fixed, 0),
        { label: 'tags', value: `${tags.length}`, offset: first, size: at - first, children: tags },
      ];
      return { format: 'mb2-info', title: 'Multiboot 2 boot information', tree, problems: multiboot.validateMb2InfoBytes(bytes) };
    }
    case 'efi-memmap': {
      const descriptorSize = Number(hint.params?.['desc-size'] ?? efiMemmap.EFI_MEMORY_DESCRIPTOR_SIZE);
      const map = efiMemmap.decodeMemoryMap(bytes, { descriptorSize });
      const children = map.descriptors.map((d, i) => {
        const n = layoutNode(`[${i}] ${efiMemmap.memoryTypeName(d.type)}`, efiMemmap.EFI_MEMORY_DESCRIPTOR, d, i * descriptorSize);
        return n;
      });
      const tree: Node[] = [{ label: 'EFI memory map', value: `${map.descriptors.length} descriptors of ${descriptorSize} bytes`, offset: 0, size: bytes.length, children }];
      return { format: 'efi-memmap', title: 'EFI memory map (GetMemoryMap)', tree, problems: efiMemmap.validateMemoryMap(bytes, { descriptorSize }) };
    }
    default:
      return inspectBytes(bytes);
  }
}

/** What a file holds: detected by {@link detectFormat}, or the structure a hint names. Never throws for bad input. */
export function inspectFile(bytes: Uint8Array, hint?: AsHint): Inspection {
  try {
    const r = hint === undefined ? inspectBytes(bytes) : byStruct(bytes, hint);
    r.tree = clamp(r.tree, bytes.length);
    return r;
  } catch (e) {
    if (!(e instanceof BootprotoError)) throw e;
    const problem: Problem = { severity: 'error', code: e.code, format: e.format, structure: e.structure, offset: e.offset, message: e.reason };
    if (e.field !== undefined) problem.field = e.field;
    const format = hint?.as ?? detectFormat(bytes);
    // The validator sees everything wrong, not only what stopped the decoder.
    const validators: Record<string, (b: Uint8Array) => Problem[]> = {
      fdt: (b) => fdt.validateFdt(b),
      pe: (b) => pecoff.validatePeImage(b),
      bzimage: (b) => linuxBootparams.validateSetupHeader(b),
      'boot-params': (b) => linuxBootparams.validateBootParams(b),
      'pvh-start-info': (b) => pvh.validateStartInfo(b),
    };
    const found = validators[format]?.(bytes) ?? [];
    const problems = found.some((p) => p.severity === 'error') ? found : [problem, ...found];
    return { format, title: 'could not be decoded whole (see problems)', tree: clamp(firstHeader(bytes, format), bytes.length), problems };
  }
}

function inspectBytes(bytes: Uint8Array): Inspection {
  const format = detectFormat(bytes);
  switch (format) {
    case 'fdt': {
      const { tree, problems } = fdtNodes(bytes);
      return { format, title: 'Flattened devicetree blob', tree, problems };
    }
    case 'bzimage':
      return {
        format,
        title: `x86 Linux kernel image${pecoff.detectPeImage(bytes) ? ' with an EFI stub' : ''}`,
        tree: bzImageNodes(bytes),
        problems: linuxBootparams.validateSetupHeader(bytes),
      };
    case 'boot-params': {
      const bp = linuxBootparams.decodeBootParams(bytes);
      const node = layoutNode('boot_params', linuxBootparams.BOOT_PARAMS, bp, 0);
      const hdr = node.children?.findIndex((c) => c.label === 'hdr') ?? -1;
      if (hdr >= 0 && node.children !== undefined) {
        node.children[hdr] = layoutNode('hdr (setup_header)', linuxBootparams.SETUP_HEADER, bp.hdr, linuxBootparams.SETUP_HEADER_OFFSET);
      }
      return { format, title: 'x86 Linux zero page (boot_params)', tree: [node], problems: linuxBootparams.validateBootParams(bytes) };
    }
    case 'pe': {
      const problems = pecoff.validatePeImage(bytes);
      const tree = peNodes(bytes);
      if (pecoff.isUki(pecoff.decodePeImage(bytes))) problems.push(...pecoff.validateUki(bytes));
      return { format, title: 'PE/COFF image (EFI)', tree, problems };
    }
    case 'pvh-elf':
    case 'elf': {
      const problems = pvh.validatePvhEntry(bytes).filter((p) => format === 'pvh-elf' || p.code !== 'NOT_FOUND');
      const note = pvh.findPvhEntry(bytes);
      const tree: Node[] = [];
      if (note !== undefined) {
        tree.push({
          label: 'XEN_ELFNOTE_PHYS32_ENTRY',
          value: hex(note.entry),
          offset: note.offset,
          size: 12 + 4 + note.descSize,
          children: [
            { label: 'entry', value: hex(note.entry), offset: note.offset + 16, size: note.descSize },
            { label: 'found in', value: note.sources.join(', ') },
            { label: 'ELF class', value: String(note.elfClass) },
          ],
        });
      }
      const mb = multibootHeaderNodes(bytes);
      tree.push(...mb.tree);
      return { format, title: note === undefined ? 'ELF image (no PVH entry note)' : `ELF${note.elfClass} image with a PVH entry note`, tree, problems: [...problems, ...mb.problems] };
    }
    case 'multiboot1-image':
    case 'multiboot2-image': {
      const mb = multibootHeaderNodes(bytes);
      return { format, title: 'Image with a Multiboot header', tree: mb.tree, problems: mb.problems };
    }
    case 'pvh-start-info':
      return byStruct(bytes, { as: 'pvh-start-info' });
    default:
      return { format, title: 'Unrecognised format', tree: [], problems: [] };
  }
}

/**
 * When a file cannot be decoded whole, its first header read field by field
 * from the layout table alone (no checks), so that the problems have fields
 * to point at.
 */
function firstHeader(bytes: Uint8Array, format: string): Node[] {
  const first: Record<string, [string, Layout, number]> = {
    fdt: ['fdt_header (raw)', fdt.FDT_HEADER, 0],
    bzimage: ['setup_header (raw)', linuxBootparams.SETUP_HEADER, linuxBootparams.SETUP_HEADER_OFFSET],
    'boot-params': ['setup_header (raw)', linuxBootparams.SETUP_HEADER, linuxBootparams.SETUP_HEADER_OFFSET],
    'setup-header': ['setup_header (raw)', linuxBootparams.SETUP_HEADER, linuxBootparams.SETUP_HEADER_OFFSET],
    pe: ['IMAGE_DOS_HEADER (raw)', pecoff.IMAGE_DOS_HEADER, 0],
    'pvh-start-info': ['hvm_start_info (raw)', pvh.HVM_START_INFO, 0],
    'mb1-info': ['multiboot_info (raw)', multiboot.MULTIBOOT_INFO, 0],
    'efi-memmap': ['EFI_MEMORY_DESCRIPTOR [0] (raw)', efiMemmap.EFI_MEMORY_DESCRIPTOR, 0],
  };
  const entry = first[format];
  if (entry === undefined) return [];
  const [label, layout, offset] = entry;
  if (offset + layout.size > bytes.length) return [];
  try {
    return [layoutNode(label, layout, decodeLayout(layout, bytes, offset), offset)];
  } catch (e) {
    if (e instanceof BootprotoError) return [];
    throw e;
  }
}

/** Keeps every node's bytes inside the file (a dump may stop before a structure's last fields). */
function clamp(nodes: Node[], length: number): Node[] {
  return nodes
    .filter((n) => n.offset === undefined || n.offset < length || n.children !== undefined)
    .map((n) => {
      const out: Node = { ...n };
      if (out.offset !== undefined && out.offset >= length) {
        delete out.offset;
        delete out.size;
      } else if (out.offset !== undefined && out.size !== undefined) out.size = Math.min(out.size, length - out.offset);
      if (n.children !== undefined) out.children = clamp(n.children, length);
      return out;
    });
}

/** The deepest node whose bytes hold `offset`, with the path of nodes to it. */
export function nodeAt(tree: readonly Node[], offset: number): Node[] | undefined {
  let best: Node[] | undefined;
  const visit = (nodes: readonly Node[], path: Node[]): void => {
    for (const n of nodes) {
      const here = [...path, n];
      const holds = n.offset !== undefined && n.size !== undefined && offset >= n.offset && offset < n.offset + Math.max(n.size, 1);
      if (holds && (best === undefined || here.length > best.length || (n.size ?? 0) < (best[best.length - 1]?.size ?? Infinity))) best = here;
      if (n.children !== undefined) visit(n.children, here);
    }
  };
  visit(tree, []);
  return best;
}

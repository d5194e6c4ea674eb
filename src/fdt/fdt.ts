/**
 * Look-ups over a devicetree blob, with the results libfdt's read-only
 * functions give (`fdt_path_offset`, `fdt_get_alias`, `fdt_getprop`,
 * `fdt_node_offset_by_phandle`, `fdt_parent_offset`, `fdt_node_offset_by_compatible`,
 * `fdt_address_cells`/`fdt_size_cells`, `fdt_stringlist_*`), answered from
 * an index built by one walk, so that a repeated look-up does not rescan the
 * structure block. Nodes are named by their offset in the structure block,
 * as in libfdt.
 *
 * @module
 */
import { BootprotoError } from '../core/index.js';
import { fdtGeometry, viewFdtReserveMap, type FdtGeometry } from './blob.js';
import { FdtCursor, type FdtCursorOptions } from './cursor.js';
import {
  FDT_BEGIN_NODE,
  FDT_END,
  FDT_END_NODE,
  FDT_MAX_NCELLS,
  FDT_MAX_PHANDLE,
  FDT_PROP,
  FDT_RESERVE_ENTRY,
  type FdtHeader,
  type FdtReserveEntry,
} from './header.js';
import { readNumber, readString, readStringList, readU32OrU64 } from './values.js';

const utf8 = new TextDecoder('utf-8');
const encoder = new TextEncoder();

/** A property found by a look-up: its name, its value (a subarray of the blob) and its token's structure offset. */
export interface FdtPropertyRef {
  /** The property's name. */
  name: string;
  /** The value: a subarray of the blob, not a copy. */
  value: Uint8Array;
  /** Offset of its `FDT_PROP` token in the structure block (libfdt's property offset). */
  offset: number;
}

/** One `reg` entry: an address and a size, in the parent's cell counts. */
export interface FdtRegion {
  /** The address, in the parent's `#address-cells`. */
  address: bigint;
  /** The size, in the parent's `#size-cells`. */
  size: bigint;
}

/** One `ranges` entry: a child bus address, the parent bus address it maps to, and the size. */
export interface FdtRange {
  /** The address on the node's own bus. */
  childAddress: bigint;
  /** The address it maps to on the parent's bus. */
  parentAddress: bigint;
  /** The size of the mapped range. */
  size: bigint;
}

/** What `/chosen` tells a kernel, as loaders write it. Absent properties are absent. */
export interface FdtChosen {
  /** `bootargs`: the kernel command line. */
  bootargs?: string;
  /** `linux,initrd-start` (4 or 8 bytes). */
  initrdStart?: bigint;
  /** `linux,initrd-end` (4 or 8 bytes; exclusive). */
  initrdEnd?: bigint;
  /** `stdout-path` (or the older `linux,stdout-path`). */
  stdoutPath?: string;
}

/** A copy of `a` in a new array of `length` entries. */
function grown(a: Int32Array, length: number): Int32Array {
  const b = new Int32Array(length);
  b.set(a);
  return b;
}

function notFound(node: number): never {
  throw new BootprotoError({
    code: 'NOT_FOUND',
    format: 'fdt',
    structure: 'structure block',
    offset: node,
    reason: `no node starts at structure offset ${node}`,
  });
}

function badValue(node: number, field: string, reason: string): never {
  throw new BootprotoError({ code: 'BAD_VALUE', format: 'fdt', structure: 'property', field, offset: node, reason });
}

/**
 * A devicetree blob opened for look-ups. {@link openFdt} walks the whole
 * structure block once (checking it as `fdt_check_full()` does) and keeps,
 * per node, its offset, parent, depth and name; names, properties and values
 * are read from the caller's bytes when asked.
 */
export class Fdt {
  // The index is five typed arrays filled by one walk (node i's structure
  // offset, parent index, depth, name start and name length), `count` of
  // their entries used: about 20 bytes a node, against ~200 for JavaScript
  // arrays and a Map from offset to index. Offsets grow in document order,
  // so a node's index is found by binary search. Fields the constructor sets
  // are `declare`d so that V8 gives them their real types (see FdtCursor).
  /** The blob (not copied: do not change it while this object is in use). */
  declare readonly bytes: Uint8Array;
  /** Where its blocks lie. */
  declare readonly geometry: FdtGeometry;
  /** Node offsets in document order (index 0 is the root); entries past `count` are unused. */
  private declare readonly offsets: Int32Array;
  private declare readonly parents: Int32Array;
  private declare readonly depths: Int32Array;
  private declare readonly nameStarts: Int32Array;
  private declare readonly nameLengths: Int32Array;
  /** How many nodes the index holds. */
  private declare readonly count: number;
  private declare readonly cursor: FdtCursor;
  private declare names: string[] | undefined;
  private declare childIndex: Map<string, number> | undefined;
  private declare childLists: number[][] | undefined;
  private declare phandles: Map<number, number> | undefined;

  /** Opens `bytes`; prefer {@link openFdt}. */
  constructor(bytes: Uint8Array, options: FdtCursorOptions = {}) {
    this.bytes = bytes;
    this.geometry = fdtGeometry(bytes);
    const c = new FdtCursor(bytes, options, this.geometry);
    this.cursor = c;
    // Room for a node per 128 bytes of structure block (dtc's trees take
    // 150-300), doubled when a tree has more: bounded by the blob's size.
    let capacity = ((this.geometry.structEnd - this.geometry.structOffset) >>> 7) + 16;
    let offsets: Int32Array = new Int32Array(capacity);
    let parents: Int32Array = new Int32Array(capacity);
    let depths: Int32Array = new Int32Array(capacity);
    let nameStarts: Int32Array = new Int32Array(capacity);
    let nameLengths: Int32Array = new Int32Array(capacity);
    let count = 0;
    let open = -1; // the index of the innermost open node: parents[] link back, so no stack
    for (let t = c.next(); t !== FDT_END; t = c.next()) {
      if (t === FDT_BEGIN_NODE) {
        if (count === capacity) {
          capacity *= 2;
          offsets = grown(offsets, capacity);
          parents = grown(parents, capacity);
          depths = grown(depths, capacity);
          nameStarts = grown(nameStarts, capacity);
          nameLengths = grown(nameLengths, capacity);
        }
        offsets[count] = c.offset;
        parents[count] = open;
        depths[count] = c.depth - 1;
        nameStarts[count] = c.nameStart;
        nameLengths[count] = c.nameLength;
        open = count++;
      } else if (t === FDT_END_NODE) {
        // The cursor refuses an FDT_END_NODE with no node open.
        open = parents[open] as number;
      }
    }
    this.offsets = offsets;
    this.parents = parents;
    this.depths = depths;
    this.nameStarts = nameStarts;
    this.nameLengths = nameLengths;
    this.count = count;
    this.names = undefined;
    this.childIndex = undefined;
    this.childLists = undefined;
    this.phandles = undefined;
    if (count === 0) {
      throw new BootprotoError({
        code: 'NOT_FOUND',
        format: 'fdt',
        structure: 'structure block',
        offset: this.geometry.structOffset,
        reason: 'the structure block holds no root node',
      });
    }
  }

  /** The decoded header. */
  get header(): FdtHeader {
    return this.geometry.header;
  }

  /** The root node's offset. */
  get root(): number {
    return this.offsets[0] as number;
  }

  /** How many nodes the tree has. */
  get nodeCount(): number {
    return this.count;
  }

  /** Every node's offset, in document order. */
  nodes(): number[] {
    return Array.from(this.offsets.subarray(0, this.count));
  }

  /** The memory reservation map, without its terminating entry. */
  reservations(): FdtReserveEntry[] {
    return viewFdtReserveMap(this.bytes, this.geometry).decodeAll();
  }

  /** A new cursor over the same blob. */
  walk(options?: FdtCursorOptions): FdtCursor {
    return new FdtCursor(this.bytes, options, this.geometry);
  }

  /** The index of the node at structure offset `node` (binary search: offsets grow in document order). */
  private indexOf(node: number): number {
    const offsets = this.offsets;
    let lo = 0;
    let hi = this.count - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const at = offsets[mid] as number;
      if (at === node) return mid;
      if (at < node) lo = mid + 1;
      else hi = mid - 1;
    }
    return notFound(node);
  }

  private nameAt(i: number): string {
    if (this.names === undefined) {
      const names: string[] = [];
      for (let k = 0; k < this.count; k++) {
        const s = this.nameStarts[k] as number;
        names.push(utf8.decode(this.bytes.subarray(s, s + (this.nameLengths[k] as number))));
      }
      this.names = names;
    }
    return this.names[i] as string;
  }

  /** The node's name with its unit address (`""` for the root), as `fdt_get_name`. */
  nodeName(node: number): string {
    return this.nameAt(this.indexOf(node));
  }

  /** The node's depth: 0 for the root, as `fdt_node_depth`. */
  nodeDepth(node: number): number {
    return this.depths[this.indexOf(node)] as number;
  }

  /** The node's full path, as `fdt_get_path` (`/` for the root). */
  nodePath(node: number): string {
    const parts: string[] = [];
    for (let i = this.indexOf(node); (this.parents[i] as number) >= 0; i = this.parents[i] as number) parts.push(this.nameAt(i));
    return `/${parts.reverse().join('/')}`;
  }

  /** The parent's offset, or undefined for the root, as `fdt_parent_offset`. */
  parent(node: number): number | undefined {
    const p = this.parents[this.indexOf(node)] as number;
    return p < 0 ? undefined : (this.offsets[p] as number);
  }

  private children(i: number): number[] {
    if (this.childLists === undefined) {
      const lists: number[][] = Array.from({ length: this.count }, () => []);
      for (let k = 1; k < this.count; k++) {
        const p = this.parents[k] as number;
        if (p >= 0) (lists[p] as number[]).push(k);
      }
      this.childLists = lists;
    }
    return this.childLists[i] as number[];
  }

  /** The offsets of the node's subnodes in order, as `fdt_first_subnode`/`fdt_next_subnode`. */
  subnodes(node: number): number[] {
    return this.children(this.indexOf(node)).map((k) => this.offsets[k] as number);
  }

  /**
   * The subnode called `name`, as `fdt_subnode_offset`: a name without `@`
   * also matches a subnode whose name is that followed by `@` and a unit
   * address; the first match in document order wins.
   */
  subnode(node: number, name: string): number | undefined {
    const k = this.childByName(this.indexOf(node), name);
    return k === undefined ? undefined : (this.offsets[k] as number);
  }

  private childByName(i: number, name: string): number | undefined {
    if (this.childIndex === undefined) {
      const index = new Map<string, number>();
      for (let k = 1; k < this.count; k++) {
        const p = this.parents[k] as number;
        if (p < 0) continue;
        const n = this.nameAt(k);
        const exact = `${p}/${n}`;
        if (!index.has(exact)) index.set(exact, k);
        const at = n.indexOf('@');
        if (at >= 0) {
          const base = `${p}/${n.slice(0, at)}`;
          if (!index.has(base)) index.set(base, k);
        }
      }
      this.childIndex = index;
    }
    return this.childIndex.get(`${i}/${name}`);
  }

  /**
   * The node at `path`, as `fdt_path_offset`: components separated by one or
   * more `/`, unit addresses matched as {@link Fdt.subnode} does; a path that
   * does not start with `/` starts with an alias (see {@link Fdt.alias}).
   * Undefined when there is no such node.
   */
  pathOffset(path: string): number | undefined {
    if (path.length === 0) return undefined;
    let i = 0;
    let p = 0;
    if (path[0] !== '/') {
      const q0 = path.indexOf('/');
      const q = q0 < 0 ? path.length : q0;
      const target = this.alias(path.slice(0, q));
      if (target === undefined) return undefined;
      const base = this.pathOffset(target);
      if (base === undefined) return undefined;
      i = this.indexOf(base);
      p = q;
    }
    while (p < path.length) {
      while (path[p] === '/') {
        p++;
        if (p === path.length) return this.offsets[i] as number;
      }
      const q0 = path.indexOf('/', p);
      const q = q0 < 0 ? path.length : q0;
      const k = this.childByName(i, path.slice(p, q));
      if (k === undefined) return undefined;
      i = k;
      p = q;
    }
    return this.offsets[i] as number;
  }

  /**
   * The path an alias names (`/aliases/<name>`), as libfdt 1.7's
   * `fdt_get_alias`: only a NUL-terminated value starting with `/` counts,
   * so an alias can never name another alias (libfdt 1.6.1 followed such
   * chains and recursed without end on an alias naming itself).
   */
  alias(name: string): string | undefined {
    const aliases = this.pathOffsetNoAlias('/aliases');
    if (aliases === undefined) return undefined;
    const v = this.getProperty(aliases, name);
    if (v === undefined || v.length === 0 || v[v.length - 1] !== 0 || v[0] !== 0x2f) return undefined;
    return utf8.decode(v.subarray(0, v.indexOf(0)));
  }

  private pathOffsetNoAlias(path: string): number | undefined {
    return path.startsWith('/') ? this.pathOffset(path) : undefined;
  }

  /** Every property of the node, in order. */
  properties(node: number): FdtPropertyRef[] {
    const out: FdtPropertyRef[] = [];
    const c = this.cursor;
    const i = this.indexOf(node);
    c.seek(node, this.depths[i] as number);
    c.next();
    for (let t = c.next(); t === FDT_PROP; t = c.next()) {
      out.push({ name: c.name(), value: c.value(), offset: c.offset });
    }
    return out;
  }

  /**
   * The value of the node's property `name` (a subarray of the blob), or
   * undefined, as `fdt_getprop`. With duplicate names (which libfdt
   * tolerates) the first one wins.
   */
  getProperty(node: number, name: string): Uint8Array | undefined {
    const at = this.findProperty(this.indexOf(node), encoder.encode(name));
    return at < 0 ? undefined : this.cursor.value();
  }

  /** True when the node has a property called `name`. */
  hasProperty(node: number, name: string): boolean {
    return this.findProperty(this.indexOf(node), encoder.encode(name)) >= 0;
  }

  /** Leaves the cursor on the property and returns its offset, or -1. */
  private findProperty(i: number, name: Uint8Array): number {
    const c = this.cursor;
    c.seek(this.offsets[i] as number, this.depths[i] as number);
    c.next();
    for (let t = c.next(); t === FDT_PROP; t = c.next()) {
      if (c.nameIs(name)) return c.offset;
    }
    return -1;
  }

  /** A `<u32>` property, or undefined when absent or not 4 bytes long. */
  getU32(node: number, name: string): number | undefined {
    const v = this.getProperty(node, name);
    if (v === undefined || v.length !== 4) return undefined;
    return ((v[0] as number) * 0x1000000 + (((v[1] as number) << 16) | ((v[2] as number) << 8) | (v[3] as number))) >>> 0;
  }

  /** A `<string>` property (up to its first NUL), or undefined when absent; `BAD_VALUE` when not NUL-terminated. */
  getString(node: number, name: string): string | undefined {
    const v = this.getProperty(node, name);
    return v === undefined ? undefined : readString(v);
  }

  /** A `<stringlist>` property, or undefined when absent; `BAD_VALUE` when the last string lacks its NUL (as `fdt_stringlist_count`). */
  getStringList(node: number, name: string): string[] | undefined {
    const v = this.getProperty(node, name);
    return v === undefined ? undefined : readStringList(v);
  }

  /**
   * The node's phandle, as `fdt_get_phandle`: the 4-byte `phandle`
   * property, else the 4-byte `linux,phandle`; undefined when neither.
   */
  phandle(node: number): number | undefined {
    return this.getU32(node, 'phandle') ?? this.getU32(node, 'linux,phandle');
  }

  /** The first node (in document order) whose phandle is `phandle`, as `fdt_node_offset_by_phandle`. */
  nodeByPhandle(phandle: number): number | undefined {
    if (phandle === 0 || phandle > FDT_MAX_PHANDLE) return undefined;
    if (this.phandles === undefined) {
      const map = new Map<number, number>();
      for (let k = 0; k < this.count; k++) {
        const off = this.offsets[k] as number;
        const ph = this.phandle(off);
        if (ph !== undefined && !map.has(ph)) map.set(ph, off);
      }
      this.phandles = map;
    }
    return this.phandles.get(phandle);
  }

  /** True when the node's `compatible` list holds `compatible`, as `fdt_node_check_compatible`. */
  isCompatible(node: number, compatible: string): boolean {
    const v = this.getProperty(node, 'compatible');
    if (v === undefined) return false;
    const want = encoder.encode(compatible);
    let start = 0;
    while (start < v.length) {
      let end = v.indexOf(0, start);
      if (end < 0) end = v.length + 1; // malformed tail: libfdt's memcmp includes the NUL, so it cannot match
      if (end - start === want.length && end <= v.length) {
        let same = true;
        for (let j = 0; j < want.length; j++) if (v[start + j] !== want[j]) same = false;
        if (same) return true;
      }
      start = end + 1;
    }
    return false;
  }

  /**
   * The first node after `after` (in document order; from the start when
   * omitted) compatible with `compatible`, as `fdt_node_offset_by_compatible`.
   */
  nodeByCompatible(compatible: string, after?: number): number | undefined {
    const from = after === undefined ? 0 : this.indexOf(after) + 1;
    for (let i = from; i < this.count; i++) {
      const off = this.offsets[i] as number;
      if (this.isCompatible(off, compatible)) return off;
    }
    return undefined;
  }

  /** Every node compatible with `compatible`, in document order. */
  nodesByCompatible(compatible: string): number[] {
    return this.nodes().filter((off) => this.isCompatible(off, compatible));
  }

  private cells(node: number, name: string, fallback: number, zeroOk: boolean): number {
    const v = this.getProperty(node, name);
    if (v === undefined) return fallback;
    if (v.length !== 4) badValue(node, name, `${name} is ${v.length} bytes, not 4`);
    const n = this.getU32(node, name) as number;
    if (n > FDT_MAX_NCELLS || (!zeroOk && n === 0)) badValue(node, name, `${name} = ${n} is outside ${zeroOk ? 0 : 1}..${FDT_MAX_NCELLS}`);
    return n;
  }

  /**
   * The node's own `#address-cells`, as `fdt_address_cells`: 2 when absent;
   * `BAD_VALUE` when it is not 4 bytes, is 0, or is above 4.
   */
  addressCells(node: number): number {
    return this.cells(node, '#address-cells', 2, false);
  }

  /** The node's own `#size-cells`, as `fdt_size_cells`: 1 when absent; `BAD_VALUE` when not 4 bytes or above 4. */
  sizeCells(node: number): number {
    return this.cells(node, '#size-cells', 1, true);
  }

  /**
   * The node's `reg` entries, read with its parent's `#address-cells` and
   * `#size-cells`; undefined when absent; `BAD_VALUE` when its length is
   * not a whole number of entries.
   */
  reg(node: number): FdtRegion[] | undefined {
    const v = this.getProperty(node, 'reg');
    if (v === undefined) return undefined;
    const parent = this.parent(node) ?? node;
    const ac = this.addressCells(parent);
    const sc = this.sizeCells(parent);
    const per = (ac + sc) * 4;
    if (v.length % per !== 0) badValue(node, 'reg', `${v.length} bytes are not whole entries of ${ac}+${sc} cells`);
    const out: FdtRegion[] = [];
    for (let i = 0; i < v.length / 4; i += ac + sc) {
      out.push({ address: readNumber(v, i, ac), size: readNumber(v, i + ac, sc) });
    }
    return out;
  }

  /**
   * The node's `ranges` entries: child addresses in the node's own
   * `#address-cells`, parent addresses in the parent's, sizes in the node's
   * `#size-cells`. An empty `ranges` (identity mapping) gives `[]`; absent
   * gives undefined.
   */
  ranges(node: number): FdtRange[] | undefined {
    const v = this.getProperty(node, 'ranges');
    if (v === undefined) return undefined;
    const parent = this.parent(node) ?? node;
    const cac = this.addressCells(node);
    const pac = this.addressCells(parent);
    const sc = this.sizeCells(node);
    const per = cac + pac + sc;
    if (v.length % (per * 4) !== 0) badValue(node, 'ranges', `${v.length} bytes are not whole entries of ${cac}+${pac}+${sc} cells`);
    const out: FdtRange[] = [];
    for (let i = 0; i < v.length / 4; i += per) {
      out.push({
        childAddress: readNumber(v, i, cac),
        parentAddress: readNumber(v, i + cac, pac),
        size: readNumber(v, i + cac + pac, sc),
      });
    }
    return out;
  }

  /** The node's `status` string, or undefined when absent. */
  status(node: number): string | undefined {
    return this.getString(node, 'status');
  }

  /** True when the node's `status` is absent, `"okay"` or `"ok"` (Devicetree Specification §2.3.4). */
  isEnabled(node: number): boolean {
    const s = this.getProperty(node, 'status');
    if (s === undefined) return true;
    const nul = s.indexOf(0);
    const text = utf8.decode(nul < 0 ? s : s.subarray(0, nul));
    return text === 'okay' || text === 'ok';
  }

  /** What `/chosen` holds, or undefined when there is no `/chosen`. */
  chosen(): FdtChosen | undefined {
    const node = this.pathOffsetNoAlias('/chosen');
    if (node === undefined) return undefined;
    const out: FdtChosen = {};
    const bootargs = this.getProperty(node, 'bootargs');
    if (bootargs !== undefined) out.bootargs = readString(bootargs);
    const start = this.getProperty(node, 'linux,initrd-start');
    if (start !== undefined) out.initrdStart = readU32OrU64(start);
    const end = this.getProperty(node, 'linux,initrd-end');
    if (end !== undefined) out.initrdEnd = readU32OrU64(end);
    const stdout = this.getProperty(node, 'stdout-path') ?? this.getProperty(node, 'linux,stdout-path');
    if (stdout !== undefined) out.stdoutPath = readString(stdout);
    return out;
  }

  /**
   * The RAM the tree describes: the `reg` entries of every enabled child of
   * the root whose `device_type` is `"memory"` (Devicetree Specification
   * §3.4), in document order.
   */
  memory(): FdtRegion[] {
    const out: FdtRegion[] = [];
    for (const k of this.children(0)) {
      const off = this.offsets[k] as number;
      const dt = this.getProperty(off, 'device_type');
      if (dt === undefined || utf8.decode(dt) !== 'memory\0' || !this.isEnabled(off)) continue;
      out.push(...(this.reg(off) ?? []));
    }
    return out;
  }
}

/**
 * Opens a devicetree blob for look-ups: checks the header and walks the
 * structure block once, as `fdt_check_full()` would (throws
 * {@link BootprotoError} where it returns an error), and indexes the nodes.
 * Throws `NOT_FOUND` when the structure block holds no node at all.
 */
export function openFdt(bytes: Uint8Array, options?: FdtCursorOptions): Fdt {
  return new Fdt(bytes, options);
}

/**
 * The devicetree as plain objects: decoded from a blob, edited, and encoded
 * back as dtc's flattener lays a blob out (header, reservation map, structure
 * block, strings block, in that order, with each property name stored once).
 * Devicetree Specification v0.4 §5; dtc's `flattree.c` for the layout
 * choices the specification leaves open.
 *
 * @module
 */
import { BootprotoError, decodeLayout } from '../core/index.js';
import { FdtCursor, type FdtCursorOptions } from './cursor.js';
import {
  FDT_BEGIN_NODE,
  FDT_END,
  FDT_END_NODE,
  FDT_MAGIC,
  FDT_PROP,
  FDT_RESERVE_ENTRY,
  FDT_V17_SIZE,
  type FdtReserveEntry,
} from './header.js';

const encoder = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const looseUtf8 = new TextDecoder('utf-8');

/** A name as text, with its bytes kept when they are not valid UTF-8. */
function nameOf(raw: Uint8Array): { name: string; nameBytes?: Uint8Array } {
  // Names are nearly always ASCII: build those directly (TextDecoder costs
  // far more than a short loop), and check UTF-8 only when a byte is not.
  let ascii = '';
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i] as number;
    if (b >= 0x80) {
      try {
        return { name: strictUtf8.decode(raw) };
      } catch {
        return { name: looseUtf8.decode(raw), nameBytes: raw.slice() };
      }
    }
    ascii += String.fromCharCode(b);
  }
  return { name: ascii };
}

function nameBytesOf(x: { name: string; nameBytes?: Uint8Array }): Uint8Array {
  return x.nameBytes ?? encoder.encode(x.name);
}

/** A property: its name and its value bytes. */
export interface FdtProperty {
  /** The property's name. */
  name: string;
  /**
   * The name's bytes, present only when they are not valid UTF-8 (so that
   * `name` cannot give them back): the encoder writes these instead of
   * `name`. Delete it when renaming such a property.
   */
  nameBytes?: Uint8Array;
  /** Its value bytes (see the value helpers: `cellsValue`, `stringValue`, `readCells`, …). */
  value: Uint8Array;
}

/** A node: its name with unit address (`""` for the root), its properties and its subnodes, in order. */
export interface FdtNode {
  /** The name with its unit address (`cpu@0`), `""` for the root. */
  name: string;
  /** The name's bytes, present only when they are not valid UTF-8 (see {@link FdtProperty.nameBytes}). */
  nameBytes?: Uint8Array;
  /** Its properties, in order. */
  properties: FdtProperty[];
  /** Its subnodes, in order. */
  children: FdtNode[];
}

/** A whole devicetree: the header fields a writer chooses, the reservation map and the root node. */
export interface FdtTree {
  /** `version` of the blob it came from (the encoder writes 17). */
  version: number;
  /** `last_comp_version` of the blob it came from (the encoder writes 16). */
  lastCompVersion: number;
  /** `boot_cpuid_phys` (0 for a blob of version below 2). */
  bootCpuidPhys: number;
  /** The memory reservation map, without its terminating entry. */
  reservations: FdtReserveEntry[];
  /** The root node. */
  root: FdtNode;
}

function bad(reason: string, offset = 0, code: 'BAD_VALUE' | 'NOT_FOUND' = 'BAD_VALUE'): never {
  throw new BootprotoError({ code, format: 'fdt', structure: 'structure block', offset, reason });
}

/**
 * Decodes a blob into plain objects (values are copies: views into one copy
 * of the structure block, never into `bytes`). Accepts what
 * libfdt accepts, except what a tree cannot hold: a property outside every
 * node (`BAD_VALUE`) and a structure block without a root node
 * (`NOT_FOUND`). `FDT_NOP` tokens are dropped.
 */
export function decodeFdt(bytes: Uint8Array, options?: FdtCursorOptions): FdtTree {
  const c = new FdtCursor(bytes, options);
  const g = c.geometry;
  const stack: FdtNode[] = [];
  const names = new Map<number, { name: string; nameBytes?: Uint8Array }>(); // names repeat: decode each nameoff once
  // One copy of the structure block; each value is a view into it (one
  // allocation instead of one per property; the views do not overlap).
  const values = bytes.slice(g.structOffset, g.structEnd);
  let root: FdtNode | undefined;
  for (let t = c.next(); t !== FDT_END; t = c.next()) {
    if (t === FDT_BEGIN_NODE) {
      const n = nameOf(bytes.subarray(c.nameStart, c.nameStart + c.nameLength));
      const node: FdtNode = n.nameBytes === undefined ? { name: n.name, properties: [], children: [] } : { name: n.name, nameBytes: n.nameBytes, properties: [], children: [] };
      const parent = stack[stack.length - 1];
      if (parent === undefined) root = node;
      else parent.children.push(node);
      stack.push(node);
    } else if (t === FDT_END_NODE) {
      stack.pop();
    } else {
      const node = stack[stack.length - 1];
      if (node === undefined) bad('a property outside every node cannot be held in a tree', g.structOffset + c.offset);
      let name = names.get(c.nameoff);
      if (name === undefined) {
        name = nameOf(bytes.subarray(c.nameStart, c.nameStart + c.nameLength));
        names.set(c.nameoff, name);
      }
      const from = c.valueStart - g.structOffset;
      const value = values.subarray(from, from + c.valueLength);
      node.properties.push(name.nameBytes === undefined ? { name: name.name, value } : { name: name.name, nameBytes: name.nameBytes.slice(), value });
    }
  }
  if (root === undefined) bad('the structure block holds no root node', g.structOffset, 'NOT_FOUND');
  const reservations: FdtReserveEntry[] = [];
  for (let i = 0; i < g.reserveCount; i++) {
    reservations.push(decodeLayout(FDT_RESERVE_ENTRY, bytes, g.rsvmapOffset + i * FDT_RESERVE_ENTRY.size));
  }
  return {
    version: g.header.version,
    lastCompVersion: g.header.lastCompVersion,
    bootCpuidPhys: g.header.bootCpuidPhys ?? 0,
    reservations,
    root,
  };
}

/** Options of {@link encodeFdt}. */
export interface EncodeFdtOptions {
  /** Free bytes added after the strings block and counted in `totalsize` (dtc's `-p`). Default 0. */
  padding?: number;
  /** A smallest `totalsize`, reached by free space at the end (dtc's `-S`). */
  minSize?: number;
  /** Deepest nesting written; deeper throws `LIMIT` (the tree could be cyclic). Default 1024. */
  maxDepth?: number;
}

const align4 = (n: number): number => (n + 3) & ~3;

/**
 * The strings block as dtc builds it: names in the order the flattener
 * first meets them (a node's properties, then its subnodes), each stored
 * once; a name equal to the tail of one already stored reuses that tail
 * (`stringtable_insert` looks for the name at every offset).
 */
class StringTable {
  private readonly at = new Map<string, number>();
  private readonly parts: Uint8Array[] = [];
  size = 0;
  offsetOf(name: Uint8Array): number {
    const key = latin1(name);
    const found = this.at.get(key);
    if (found !== undefined) return found;
    const offset = this.size;
    for (let k = 0; k <= name.length; k++) {
      const tail = key.slice(k);
      if (!this.at.has(tail)) this.at.set(tail, offset + k);
    }
    const stored = new Uint8Array(name.length + 1);
    stored.set(name);
    this.parts.push(stored);
    this.size += stored.length;
    return offset;
  }
  bytes(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i] as number);
  return s;
}

/**
 * Encodes a tree as dtc writes a version 17 blob: a 40-byte header, the
 * reservation map at offset 40 (its entries and a terminating entry), the
 * structure block, then the strings block; `last_comp_version` 16;
 * `boot_cpuid_phys` from the tree. A blob dtc wrote (without `-p`, `-S` or
 * `-a`) comes back byte for byte.
 */
export function encodeFdt(tree: FdtTree, options: EncodeFdtOptions = {}): Uint8Array {
  const maxDepth = options.maxDepth ?? 1024;
  const strings = new StringTable();
  // First pass: sizes and name offsets (one entry per property, in order).
  const nameoffs: number[] = [];
  const nodeNames: Uint8Array[] = [];
  let structSize = 0;
  const seen = new Set<FdtNode>();
  if (tree.root.name !== '') bad(`the root node is named "${tree.root.name}" (libfdt rejects a named root)`);
  // Nodes in the order the flattener writes them (a node, its properties,
  // then its subnodes), with an explicit stack: a deep tree must not
  // overflow the call stack at any reasonable stack size.
  const order: FdtNode[] = [];
  const pending: FdtNode[] = [tree.root];
  const depths: number[] = [1];
  while (pending.length > 0) {
    const node = pending.pop() as FdtNode;
    const depth = depths.pop() as number;
    if (depth > maxDepth) {
      throw new BootprotoError({ code: 'LIMIT', format: 'fdt', structure: 'structure block', offset: 0, reason: `nesting deeper than ${maxDepth}` });
    }
    if (seen.has(node)) bad(`node "${node.name}" appears twice in the tree`);
    seen.add(node);
    order.push(node);
    const name = nameBytesOf(node);
    if (name.includes(0)) bad(`node name "${node.name}" holds a NUL`);
    nodeNames.push(name);
    structSize += 4 + align4(name.length + 1) + 4; // FDT_BEGIN_NODE with its name, and FDT_END_NODE
    for (const p of node.properties) {
      const pn = nameBytesOf(p);
      if (pn.includes(0)) bad(`property name "${p.name}" holds a NUL`);
      nameoffs.push(strings.offsetOf(pn));
      structSize += 12 + align4(p.value.length);
    }
    for (let i = node.children.length - 1; i >= 0; i--) {
      pending.push(node.children[i] as FdtNode);
      depths.push(depth + 1);
    }
  }
  structSize += 4;
  const rsvSize = (tree.reservations.length + 1) * FDT_RESERVE_ENTRY.size;
  const offStruct = FDT_V17_SIZE + rsvSize;
  const offStrings = offStruct + structSize;
  let totalsize = offStrings + strings.size + (options.padding ?? 0);
  if (options.minSize !== undefined && options.minSize > totalsize) totalsize = options.minSize;
  if (totalsize > 0x7fffffff) bad(`a ${totalsize}-byte blob is larger than libfdt reads`);
  const out = new Uint8Array(totalsize);
  const dv = new DataView(out.buffer);
  const header = [FDT_MAGIC, totalsize, offStruct, offStrings, FDT_V17_SIZE, 17, 16, tree.bootCpuidPhys, strings.size, structSize];
  header.forEach((v, i) => dv.setUint32(i * 4, v >>> 0));
  tree.reservations.forEach((r, i) => {
    dv.setBigUint64(FDT_V17_SIZE + i * 16, BigInt.asUintN(64, r.address));
    dv.setBigUint64(FDT_V17_SIZE + i * 16 + 8, BigInt.asUintN(64, r.size));
  });
  let at = offStruct;
  let propIndex = 0;
  // Second pass, in the same order: each node's FDT_BEGIN_NODE and
  // properties, then its subnodes; `open` counts, per node still open, the
  // subnodes left to write before its FDT_END_NODE.
  const open: number[] = [];
  for (let nodeIndex = 0; nodeIndex < order.length; nodeIndex++) {
    const node = order[nodeIndex] as FdtNode;
    dv.setUint32(at, FDT_BEGIN_NODE);
    const name = nodeNames[nodeIndex] as Uint8Array;
    out.set(name, at + 4);
    at += 4 + align4(name.length + 1);
    for (const p of node.properties) {
      dv.setUint32(at, FDT_PROP);
      dv.setUint32(at + 4, p.value.length);
      dv.setUint32(at + 8, nameoffs[propIndex++] as number);
      out.set(p.value, at + 12);
      at += 12 + align4(p.value.length);
    }
    open.push(node.children.length);
    // Close every node whose subnodes are all written.
    while (open.length > 0 && open[open.length - 1] === 0) {
      open.pop();
      dv.setUint32(at, FDT_END_NODE);
      at += 4;
      if (open.length > 0) open[open.length - 1] = (open[open.length - 1] as number) - 1;
    }
  }
  dv.setUint32(at, FDT_END);
  out.set(strings.bytes(), offStrings);
  return out;
}

// ---------------------------------------------------------------------------
// Editing, with the placement libfdt's read-write functions choose

/** True when a node called `nodeName` answers to `name`, as libfdt matches names (`name` without `@` also matches `name@…`). */
export function nodeNameMatches(nodeName: string, name: string): boolean {
  if (nodeName === name) return true;
  return !name.includes('@') && nodeName.startsWith(name) && nodeName[name.length] === '@';
}

/** The first subnode of `node` answering to `name` (see {@link nodeNameMatches}). */
export function findChild(node: FdtNode, name: string): FdtNode | undefined {
  return node.children.find((c) => nodeNameMatches(c.name, name));
}

/**
 * The node at an absolute `path` (`/`, `/cpus/cpu@0`, `/cpus/cpu`), matched
 * as libfdt matches; undefined when absent. Aliases are not followed.
 */
export function findNode(tree: FdtTree | FdtNode, path: string): FdtNode | undefined {
  let node: FdtNode | undefined = 'root' in tree ? tree.root : tree;
  for (const part of path.split('/')) {
    if (part === '') continue;
    node = findChild(node, part);
    if (node === undefined) return undefined;
  }
  return node;
}

/** The value of `node`'s property `name`, or undefined. */
export function getProperty(node: FdtNode, name: string): Uint8Array | undefined {
  return node.properties.find((p) => p.name === name)?.value;
}

/**
 * Sets a property, as `fdt_setprop`: an existing property keeps its place
 * and takes the new value; a new one goes first among the node's
 * properties (where libfdt inserts it). Returns the node.
 */
export function setProperty(node: FdtNode, name: string, value: Uint8Array): FdtNode {
  const p = node.properties.find((q) => q.name === name);
  if (p !== undefined) p.value = value;
  else node.properties.unshift({ name, value });
  return node;
}

/** Deletes a property (the first of that name), as `fdt_delprop`; returns whether there was one. */
export function deleteProperty(node: FdtNode, name: string): boolean {
  const i = node.properties.findIndex((p) => p.name === name);
  if (i < 0) return false;
  node.properties.splice(i, 1);
  return true;
}

/**
 * Adds an empty subnode, as `fdt_add_subnode`: it goes first among the
 * parent's subnodes (after its properties, where libfdt inserts it).
 * Throws `BAD_VALUE` when a subnode already answers to `name` (libfdt's
 * `FDT_ERR_EXISTS`) or the name is empty or holds `/` or NUL.
 */
export function addNode(parent: FdtNode, name: string): FdtNode {
  if (name === '' || name.includes('/') || name.includes('\0')) bad(`"${name}" is not a node name`);
  if (findChild(parent, name) !== undefined) bad(`a subnode "${name}" already exists`);
  const node: FdtNode = { name, properties: [], children: [] };
  parent.children.unshift(node);
  return node;
}

/** Deletes the node at an absolute `path` (not the root), as `fdt_del_node`; returns whether there was one. */
export function deleteNode(tree: FdtTree, path: string): boolean {
  const parts = path.split('/').filter((p) => p !== '');
  const last = parts.pop();
  if (last === undefined) return false;
  const parent = findNode(tree, `/${parts.join('/')}`);
  if (parent === undefined) return false;
  const i = parent.children.findIndex((c) => nodeNameMatches(c.name, last));
  if (i < 0) return false;
  parent.children.splice(i, 1);
  return true;
}

/** A new, empty tree: version 17, no reservations, an empty root node. */
export function createFdtTree(): FdtTree {
  return { version: 17, lastCompVersion: 16, bootCpuidPhys: 0, reservations: [], root: { name: '', properties: [], children: [] } };
}

// ---------------------------------------------------------------------------
// Sequential write, without a tree of objects

/**
 * Writes a blob token by token, as libfdt's sequential-write functions
 * (`fdt_create`, `fdt_add_reservemap_entry`, `fdt_begin_node`,
 * `fdt_property`, `fdt_end_node`, `fdt_finish`) do, for a VMM that builds its
 * guest's tree without objects. The output is byte for byte what
 * {@link encodeFdt} writes for the same tree (dtc's layout, names stored once).
 * Misuse (a property outside a node, a second root, `finish` with nodes open)
 * throws `BAD_VALUE`.
 */
export class FdtWriter {
  /** `boot_cpuid_phys` written by {@link FdtWriter.finish}. */
  bootCpuidPhys = 0;
  private buf = new Uint8Array(1024);
  private len = 0;
  private depth = 0;
  private rootDone = false;
  private readonly strings = new StringTable();
  private readonly reservations: FdtReserveEntry[] = [];

  private misuse(reason: string): never {
    return bad(reason, this.len);
  }

  private room(n: number): DataView {
    if (this.len + n > this.buf.length) {
      const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
      next.set(this.buf.subarray(0, this.len));
      this.buf = next;
    }
    return new DataView(this.buf.buffer);
  }

  /** Adds a memory reservation (only before the root node begins). */
  addReservation(address: bigint, size: bigint): this {
    if (this.len > 0 || this.rootDone) this.misuse('reservations come before the root node');
    this.reservations.push({ address, size });
    return this;
  }

  /** Opens a node (the first one is the root, named `""`). */
  beginNode(name: string): this {
    if (this.rootDone) this.misuse('a second root node');
    if ((this.depth === 0) !== (name === '')) this.misuse(this.depth === 0 ? 'the root node has a name' : 'a node without a name');
    const bytes = encoder.encode(name);
    if (bytes.includes(0)) this.misuse(`node name "${name}" holds a NUL`);
    const size = 4 + align4(bytes.length + 1);
    const dv = this.room(size);
    this.buf.fill(0, this.len, this.len + size);
    dv.setUint32(this.len, FDT_BEGIN_NODE);
    this.buf.set(bytes, this.len + 4);
    this.len += size;
    this.depth++;
    return this;
  }

  /** Adds a property to the open node. */
  property(name: string, value: Uint8Array): this {
    if (this.depth === 0) this.misuse(`property "${name}" outside every node`);
    const n = encoder.encode(name);
    if (n.includes(0)) this.misuse(`property name "${name}" holds a NUL`);
    const size = 12 + align4(value.length);
    const dv = this.room(size);
    this.buf.fill(0, this.len, this.len + size);
    dv.setUint32(this.len, FDT_PROP);
    dv.setUint32(this.len + 4, value.length);
    dv.setUint32(this.len + 8, this.strings.offsetOf(n));
    this.buf.set(value, this.len + 12);
    this.len += size;
    return this;
  }

  /** Closes the open node. */
  endNode(): this {
    if (this.depth === 0) this.misuse('no node is open');
    this.room(4).setUint32(this.len, FDT_END_NODE);
    this.len += 4;
    this.depth--;
    if (this.depth === 0) this.rootDone = true;
    return this;
  }

  /** Ends the structure block and returns the blob (version 17, dtc's layout). */
  finish(options: EncodeFdtOptions = {}): Uint8Array {
    if (this.depth !== 0 || !this.rootDone) this.misuse(this.depth !== 0 ? `${this.depth} node(s) still open` : 'no root node');
    const structSize = this.len + 4;
    const rsvSize = (this.reservations.length + 1) * FDT_RESERVE_ENTRY.size;
    const offStruct = FDT_V17_SIZE + rsvSize;
    const offStrings = offStruct + structSize;
    let totalsize = offStrings + this.strings.size + (options.padding ?? 0);
    if (options.minSize !== undefined && options.minSize > totalsize) totalsize = options.minSize;
    const out = new Uint8Array(totalsize);
    const dv = new DataView(out.buffer);
    const header = [FDT_MAGIC, totalsize, offStruct, offStrings, FDT_V17_SIZE, 17, 16, this.bootCpuidPhys, this.strings.size, structSize];
    header.forEach((v, i) => dv.setUint32(i * 4, v >>> 0));
    this.reservations.forEach((r, i) => {
      dv.setBigUint64(FDT_V17_SIZE + i * 16, BigInt.asUintN(64, r.address));
      dv.setBigUint64(FDT_V17_SIZE + i * 16 + 8, BigInt.asUintN(64, r.size));
    });
    out.set(this.buf.subarray(0, this.len), offStruct);
    dv.setUint32(offStruct + this.len, FDT_END);
    out.set(this.strings.bytes(), offStrings);
    return out;
  }
}

/**
 * Validation of a devicetree blob: every problem found, never an exception.
 *
 * Errors are what libfdt's `fdt_check_full()` rejects (the header, block
 * bounds, the reservation map, the token stream, nesting, names, string
 * offsets, a missing `FDT_END`, a `totalsize` larger than the bytes), with
 * the offset of the fault; the walk stops at the first one, as libfdt's does.
 * Warnings are what libfdt lets pass but the Devicetree Specification v0.4
 * forbids or dtc warns about; see `docs/fdt.md` for the list of codes.
 *
 * @module
 */
import { BootprotoError, problemFromError, type Problem, ProblemCollector } from '../core/index.js';
import { fdtGeometry, type FdtGeometry } from './blob.js';
import { FdtCursor } from './cursor.js';
import { openFdt, type Fdt } from './fdt.js';
import { FDT_BEGIN_NODE, FDT_END, FDT_END_NODE, FDT_MAX_NCELLS, FDT_MAX_PHANDLE, FDT_RESERVE_ENTRY } from './header.js';

const NODE_CHARS = /^[0-9a-zA-Z,._+-]+$/;
const STATUS_VALUES = new Set(['okay', 'disabled', 'reserved', 'fail', 'ok']);
const utf8 = new TextDecoder('utf-8');
const PROP_CHARS = /^[0-9a-zA-Z,._+?#-]+$/;

/** This module's problems. */
class Collector extends ProblemCollector {
  constructor() {
    super('fdt');
  }
}

interface OpenNode {
  offset: number;
  name: string;
  props: Set<string>;
  children: Set<string>;
  hasChild: boolean;
}

function checkGeometry(g: FdtGeometry, structEnd: number, out: Collector): void {
  const h = g.header;
  if (h.version !== 17) {
    out.add(h.version > 17 ? 'info' : 'warning', 'FDT_VERSION', 'fdt_header', 'version', 20, `version ${h.version}; the specification describes 17`);
  }
  if (h.lastCompVersion !== 16) {
    out.add('warning', 'FDT_LAST_COMP_VERSION', 'fdt_header', 'last_comp_version', 24, `last_comp_version ${h.lastCompVersion}; the specification requires 16`);
  }
  if (g.rsvmapOffset % 8 !== 0) {
    out.add('warning', 'FDT_ALIGNMENT', 'fdt_header', 'off_mem_rsvmap', 16, `off_mem_rsvmap ${g.rsvmapOffset} is not 8-byte aligned (libfdt 1.7 rejects it)`);
  }
  if (g.structOffset % 4 !== 0) {
    out.add('warning', 'FDT_ALIGNMENT', 'fdt_header', 'off_dt_struct', 8, `off_dt_struct ${g.structOffset} is not 4-byte aligned (libfdt 1.7 rejects it)`);
  }
  if (h.sizeDtStruct !== undefined && g.structOffset + h.sizeDtStruct !== structEnd) {
    out.add('warning', 'FDT_STRUCT_SIZE', 'fdt_header', 'size_dt_struct', 36, `size_dt_struct ${h.sizeDtStruct} but FDT_END ends the block at ${structEnd - g.structOffset}`);
  }
  const stringsEnd = h.sizeDtStrings === undefined ? g.stringsEnd : g.stringsOffset + h.sizeDtStrings;
  const blocks: [string, string, number, number][] = [
    ['header', 'fdt_header', 0, g.headerSize],
    ['memory reservation block', 'off_mem_rsvmap', g.rsvmapOffset, g.rsvmapOffset + (g.reserveCount + 1) * FDT_RESERVE_ENTRY.size],
    ['structure block', 'off_dt_struct', g.structOffset, structEnd],
    ['strings block', 'off_dt_strings', g.stringsOffset, stringsEnd],
  ];
  for (let i = 0; i < blocks.length; i++) {
    for (let j = i + 1; j < blocks.length; j++) {
      const a = blocks[i] as [string, string, number, number];
      const b = blocks[j] as [string, string, number, number];
      if (a[2] < b[3] && b[2] < a[3] && a[3] > a[2] && b[3] > b[2]) {
        out.add('warning', 'FDT_BLOCK_OVERLAP', 'fdt_header', b[1], b[2], `the ${a[0]} (${a[2]}..${a[3]}) and the ${b[0]} (${b[2]}..${b[3]}) overlap`);
      }
    }
  }
  if (!(g.rsvmapOffset <= g.structOffset && g.structOffset <= g.stringsOffset)) {
    out.add('info', 'FDT_BLOCK_ORDER', 'fdt_header', undefined, 8, 'the blocks are not in the order reservation map, structure, strings');
  }
}

function checkReservations(fdt: Fdt, out: Collector): void {
  const list = fdt.reservations();
  const base = fdt.geometry.rsvmapOffset;
  const end = 1n << 64n;
  list.forEach((r, i) => {
    if (r.address + r.size > end) {
      out.add('warning', 'FDT_RESERVE_WRAP', 'fdt_reserve_entry', 'size', base + i * 16 + 8, `entry ${i} wraps past 2^64`);
    }
    for (let j = 0; j < i; j++) {
      const q = list[j] as (typeof list)[number];
      if (r.address < q.address + q.size && q.address < r.address + r.size) {
        out.add('warning', 'FDT_RESERVE_OVERLAP', 'fdt_reserve_entry', 'address', base + i * 16, `entry ${i} overlaps entry ${j}`);
      }
    }
  });
}

function checkName(kind: 'node' | 'property', name: string, at: number, out: Collector): void {
  if (kind === 'property') {
    if (!PROP_CHARS.test(name)) {
      out.add('warning', 'FDT_PROPERTY_NAME_CHARS', 'fdt_property', 'nameoff', at, `property name "${name}" has characters outside [0-9a-zA-Z,._+?#-]`);
    } else if (name.length > 31) {
      out.add('warning', 'FDT_NAME_LENGTH', 'fdt_property', 'nameoff', at, `property name "${name}" is longer than 31 characters`);
    }
    return;
  }
  const atSign = name.indexOf('@');
  const base = atSign < 0 ? name : name.slice(0, atSign);
  const unit = atSign < 0 ? undefined : name.slice(atSign + 1);
  if (!NODE_CHARS.test(base) || (unit !== undefined && !NODE_CHARS.test(unit))) {
    out.add('warning', 'FDT_NODE_NAME_CHARS', 'fdt_node_header', 'name', at, `node name "${name}" breaks the character rules of §2.2.1`);
  } else if (!/^[a-zA-Z]/.test(base)) {
    out.add('warning', 'FDT_NODE_NAME_CHARS', 'fdt_node_header', 'name', at, `node name "${name}" does not start with a letter`);
  }
  if (base.length > 31) out.add('warning', 'FDT_NAME_LENGTH', 'fdt_node_header', 'name', at, `node name "${base}" is longer than 31 characters`);
}

/** The token walk: structure rules of §5.4 and duplicate names. Returns the end of the structure block as walked. */
function walkTokens(bytes: Uint8Array, g: FdtGeometry, out: Collector): number {
  const c = new FdtCursor(bytes, {}, g);
  const stack: OpenNode[] = [];
  let roots = 0;
  for (let t = c.next(); t !== FDT_END; t = c.next()) {
    const at = g.structOffset + c.offset;
    if (t === FDT_BEGIN_NODE) {
      const parent = stack[stack.length - 1];
      const name = c.name();
      if (parent !== undefined) {
        parent.hasChild = true;
        if (parent.children.has(name)) out.add('warning', 'FDT_DUPLICATE_NODE', 'fdt_node_header', 'name', at, `a second subnode "${name}" of "${parent.name}"`);
        parent.children.add(name);
        checkName('node', name, at, out);
      } else roots++;
      stack.push({ offset: at, name: name === '' ? '/' : name, props: new Set(), children: new Set(), hasChild: false });
    } else if (t === FDT_END_NODE) {
      stack.pop();
    } else {
      const node = stack[stack.length - 1];
      const name = c.name();
      if (node === undefined) {
        out.add('warning', 'FDT_PROPERTY_OUTSIDE_NODE', 'fdt_property', undefined, at, `property "${name}" before the root node`);
        continue;
      }
      if (node.hasChild) out.add('warning', 'FDT_PROPERTY_AFTER_SUBNODE', 'fdt_property', undefined, at, `property "${name}" of "${node.name}" follows a subnode`);
      if (node.props.has(name)) out.add('warning', 'FDT_DUPLICATE_PROPERTY', 'fdt_property', 'nameoff', at, `a second property "${name}" in "${node.name}"`);
      node.props.add(name);
      checkName('property', name, at, out);
    }
  }
  if (roots === 0) out.add('warning', 'FDT_NO_ROOT', 'structure block', undefined, g.structOffset, 'the structure block holds no node');
  if (c.nopCount > 0) out.add('info', 'FDT_NOP', 'structure block', undefined, g.structOffset, `${c.nopCount} FDT_NOP token(s)`);
  return g.structOffset + c.offset + 4;
}

const STRING_PROPS = ['compatible', 'model', 'status', 'device_type', 'bootargs', 'stdout-path'];

function checkNodes(fdt: Fdt, out: Collector): void {
  const g = fdt.geometry;
  const phandles = new Map<number, string>();
  for (const node of fdt.nodes()) {
    const at = g.structOffset + node;
    const path = fdt.nodePath(node);
    const attempt = <T>(fn: () => T): T | undefined => {
      try {
        return fn();
      } catch (e) {
        if (e instanceof BootprotoError) {
          const code = e.field === 'reg' ? 'FDT_REG' : e.field === 'ranges' ? 'FDT_RANGES' : e.field?.startsWith('#') === true ? 'FDT_CELLS' : 'FDT_BAD_VALUE';
          out.add('warning', code, 'property', e.field, at, `${path}: ${e.reason}`);
          return undefined;
        }
        throw e;
      }
    };
    for (const name of STRING_PROPS) {
      const v = fdt.getProperty(node, name);
      if (v !== undefined && (v.length === 0 || v[v.length - 1] !== 0)) {
        out.add('warning', 'FDT_NOT_STRING', 'property', name, at, `${path}: "${name}" is not a NUL-terminated string`);
      }
    }
    for (const name of ['phandle', 'linux,phandle']) {
      const v = fdt.getProperty(node, name);
      if (v === undefined) continue;
      const ph = fdt.getU32(node, name);
      if (ph === undefined) out.add('warning', 'FDT_PHANDLE', 'property', name, at, `${path}: "${name}" is ${v.length} bytes, not 4`);
      else if (ph === 0 || ph > FDT_MAX_PHANDLE) out.add('warning', 'FDT_PHANDLE', 'property', name, at, `${path}: phandle 0x${ph.toString(16)} is reserved`);
    }
    const p1 = fdt.getU32(node, 'phandle');
    const p2 = fdt.getU32(node, 'linux,phandle');
    if (p1 !== undefined && p2 !== undefined && p1 !== p2) {
      out.add('warning', 'FDT_PHANDLE', 'property', 'linux,phandle', at, `${path}: phandle ${p1} and linux,phandle ${p2} differ`);
    }
    const ph = fdt.phandle(node);
    if (ph !== undefined && ph !== 0 && ph <= FDT_MAX_PHANDLE) {
      const other = phandles.get(ph);
      if (other !== undefined) out.add('warning', 'FDT_DUPLICATE_PHANDLE', 'property', 'phandle', at, `${path}: phandle ${ph} is also ${other}'s`);
      else phandles.set(ph, path);
    }
    for (const name of ['#address-cells', '#size-cells']) {
      const v = fdt.getProperty(node, name);
      if (v === undefined) continue;
      const n = fdt.getU32(node, name);
      // 0 address cells is how interrupt controllers say "no address" (libfdt's
      // fdt_address_cells refuses it, but the specification allows it).
      if (n === undefined || n > FDT_MAX_NCELLS) {
        out.add('warning', 'FDT_CELLS', 'property', name, at, `${path}: ${name} is ${n === undefined ? `${v.length} bytes, not 4` : `${n}, above ${FDT_MAX_NCELLS}`}`);
      }
    }
    const parent = fdt.parent(node);
    const name = fdt.nodeName(node);
    const atSign = name.indexOf('@');
    const unit = atSign < 0 ? undefined : name.slice(atSign + 1);
    const hasReg = fdt.hasProperty(node, 'reg');
    const hasRanges = fdt.hasProperty(node, 'ranges');
    if (parent !== undefined) {
      if (hasReg && (!fdt.hasProperty(parent, '#address-cells') || !fdt.hasProperty(parent, '#size-cells'))) {
        out.add('warning', 'FDT_DEFAULT_CELLS', 'property', 'reg', at, `${path}: "reg" relies on the parent's default #address-cells/#size-cells`);
      }
      if ((hasReg || hasRanges) && unit === undefined) {
        out.add('warning', 'FDT_UNIT_ADDRESS', 'fdt_node_header', 'name', at, `${path}: node has "reg" or "ranges" but no unit address`);
      }
      if (unit !== undefined && !hasReg && !hasRanges) {
        out.add('warning', 'FDT_UNIT_ADDRESS', 'fdt_node_header', 'name', at, `${path}: node has a unit address but no "reg" or "ranges"`);
      }
      const reg = hasReg ? attempt(() => fdt.reg(node)) : undefined;
      const first = reg?.[0];
      if (first !== undefined && unit !== undefined && /^[0-9a-fA-F]+$/.test(unit)) {
        const ac = attempt(() => fdt.addressCells(parent));
        if (ac !== undefined && ac <= 2 && BigInt(`0x${unit}`) !== first.address) {
          out.add('warning', 'FDT_UNIT_ADDRESS_VS_REG', 'fdt_node_header', 'name', at, `${path}: unit address ${unit} but reg starts at 0x${first.address.toString(16)}`);
        }
      }
      if (hasRanges) attempt(() => fdt.ranges(node));
      if (!hasReg && !hasRanges && fdt.isCompatible(parent, 'simple-bus')) {
        out.add('warning', 'FDT_SIMPLE_BUS_REG', 'fdt_node_header', 'name', at, `${path}: a child of a simple-bus without "reg" or "ranges" (dtc: simple_bus_reg)`);
      }
      if (unit !== undefined && /^(0x|0[0-9a-fA-F])/i.test(unit)) {
        out.add('warning', 'FDT_UNIT_ADDRESS_FORMAT', 'fdt_node_header', 'name', at, `${path}: unit address "${unit}" has a 0x prefix or leading zeros (dtc: unit_address_format)`);
      }
    }
    const status = fdt.getProperty(node, 'status');
    if (status !== undefined && status.length > 0 && status[status.length - 1] === 0) {
      const text = utf8.decode(status.subarray(0, status.indexOf(0)));
      if (!STATUS_VALUES.has(text) && !text.startsWith('fail-')) {
        out.add('warning', 'FDT_STATUS', 'property', 'status', at, `${path}: status "${text}" is not okay, disabled, reserved, fail or fail-sss (§2.3.4)`);
      }
    }
    const ip = fdt.getProperty(node, 'interrupt-parent');
    if (ip !== undefined) {
      const ph = fdt.getU32(node, 'interrupt-parent');
      if (ph === undefined || fdt.nodeByPhandle(ph) === undefined) {
        out.add('warning', 'FDT_DANGLING_PHANDLE', 'property', 'interrupt-parent', at, `${path}: interrupt-parent names no node`);
      }
    }
  }
  checkAliases(fdt, out);
}

function checkAliases(fdt: Fdt, out: Collector): void {
  const aliases = fdt.pathOffset('/aliases');
  if (aliases === undefined) return;
  for (const p of fdt.properties(aliases)) {
    const at = fdt.geometry.structOffset + p.offset;
    if (p.name === 'name' || p.name === 'phandle' || p.name === 'linux,phandle') continue;
    if (!/^[a-z0-9-]+$/.test(p.name)) {
      out.add('warning', 'FDT_ALIAS', 'property', p.name, at, `alias "${p.name}" has characters outside [a-z0-9-] (§3.3)`);
    }
    const v = p.value;
    const nul = v.indexOf(0);
    const target = utf8.decode(nul < 0 ? v : v.subarray(0, nul));
    if (nul !== v.length - 1 || !target.startsWith('/') || fdt.pathOffset(target) === undefined) {
      out.add('warning', 'FDT_ALIAS', 'property', p.name, at, `alias "${p.name}" = "${target}" is not the path of a node (dtc: alias_paths)`);
    }
  }
}

/**
 * Validates a devicetree blob; returns every problem found and never
 * throws on bad input. An `error` means libfdt's `fdt_check_full()` rejects
 * the blob (offsets are from the blob's start).
 */
export function validateFdt(bytes: Uint8Array): Problem[] {
  const out = new Collector();
  let g: FdtGeometry;
  try {
    g = fdtGeometry(bytes);
  } catch (e) {
    if (e instanceof BootprotoError) return [problemFromError(e)];
    throw e;
  }
  let structEnd: number;
  try {
    structEnd = walkTokens(bytes, g, out);
  } catch (e) {
    if (e instanceof BootprotoError) {
      out.problems.push(problemFromError(e));
      return out.problems;
    }
    throw e;
  }
  checkGeometry(g, structEnd, out);
  let fdt: Fdt;
  try {
    fdt = openFdt(bytes);
  } catch (e) {
    if (e instanceof BootprotoError) return out.problems;
    throw e;
  }
  checkReservations(fdt, out);
  try {
    checkNodes(fdt, out);
  } catch (e) {
    if (!(e instanceof BootprotoError)) throw e;
    out.problems.push({ ...problemFromError(e), severity: 'warning' });
  }
  return out.problems;
}

/** Tells whether a blob passes libfdt's `fdt_check_full()`: true when {@link validateFdt} finds no error. */
export function fdtCheckFull(bytes: Uint8Array): boolean {
  try {
    const c = new FdtCursor(bytes);
    while (c.next() !== FDT_END);
    return true;
  } catch (e) {
    if (e instanceof BootprotoError) return false;
    throw e;
  }
}


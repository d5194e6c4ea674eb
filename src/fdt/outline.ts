/**
 * An outline of a blob for people and for the command line: every node and
 * property with its byte offset in the blob, values printed as DTS would
 * print them.
 *
 * @module
 */
import { FdtCursor, type FdtCursorOptions } from './cursor.js';
import { dtsValue } from './dts.js';
import { FDT_BEGIN_NODE, FDT_END, FDT_END_NODE } from './header.js';

/** A property in an outline. */
export interface FdtOutlineProperty {
  /** The property's name. */
  name: string;
  /** Offset of its `FDT_PROP` token from the start of the blob. */
  offset: number;
  /** The value's length in bytes. */
  length: number;
  /** The value as DTS prints it (`"a", "b"`, `<0x01>`, `[01 02]`), `''` when empty. */
  text: string;
}

/** A node in an outline. */
export interface FdtOutlineNode {
  /** The node's name (`""` for the root). */
  name: string;
  /** Its full path. */
  path: string;
  /** Offset of its `FDT_BEGIN_NODE` token from the start of the blob. */
  offset: number;
  /** Its properties, in order. */
  properties: FdtOutlineProperty[];
  /** Its subnodes, in order. */
  children: FdtOutlineNode[];
}

/**
 * The outline of a blob: its root node with every descendant, or undefined
 * when the structure block holds no node. Throws `BootprotoError` as the
 * cursor does. Properties outside every node are left out.
 */
export function fdtOutline(bytes: Uint8Array, options?: FdtCursorOptions): FdtOutlineNode | undefined {
  const c = new FdtCursor(bytes, options);
  const base = c.geometry.structOffset;
  const stack: FdtOutlineNode[] = [];
  let root: FdtOutlineNode | undefined;
  for (let t = c.next(); t !== FDT_END; t = c.next()) {
    if (t === FDT_BEGIN_NODE) {
      const parent = stack[stack.length - 1];
      const name = c.name();
      const path = parent === undefined ? '/' : parent.path === '/' ? `/${name}` : `${parent.path}/${name}`;
      const node: FdtOutlineNode = { name, path, offset: base + c.offset, properties: [], children: [] };
      if (parent === undefined) root = node;
      else parent.children.push(node);
      stack.push(node);
    } else if (t === FDT_END_NODE) {
      stack.pop();
    } else {
      const node = stack[stack.length - 1];
      if (node !== undefined) node.properties.push({ name: c.name(), offset: base + c.offset, length: c.valueLength, text: dtsValue(c.value()) });
    }
  }
  return root;
}

/**
 * The outline as text lines, one per node and property, each starting with
 * its blob offset in hexadecimal, indented by depth; values longer than
 * `maxValue` characters are cut with `…`.
 */
export function fdtOutlineLines(bytes: Uint8Array, maxValue = 96): string[] {
  const root = fdtOutline(bytes);
  const out: string[] = [];
  const at = (n: number): string => `0x${n.toString(16).padStart(6, '0')}`;
  // Nodes in order (each before its subnodes), with an explicit stack: an
  // outline as deep as a blob may nest prints at any reasonable stack size.
  const pending: { n: FdtOutlineNode; depth: number }[] = root === undefined ? [] : [{ n: root, depth: 0 }];
  while (pending.length > 0) {
    const { n, depth } = pending.pop() as { n: FdtOutlineNode; depth: number };
    const pad = '  '.repeat(depth);
    out.push(`${at(n.offset)} ${pad}${n.name === '' ? '/' : n.name} {`);
    for (const p of n.properties) {
      const text = p.text.length > maxValue ? `${p.text.slice(0, maxValue)}…` : p.text;
      out.push(`${at(p.offset)} ${pad}  ${p.name}${text === '' ? '' : ` = ${text}`};`);
    }
    for (let i = n.children.length - 1; i >= 0; i--) pending.push({ n: n.children[i] as FdtOutlineNode, depth: depth + 1 });
  }
  return out;
}

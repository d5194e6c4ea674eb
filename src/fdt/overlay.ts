/**
 * Devicetree overlays, applied as libfdt 1.6.1's `fdt_overlay_apply()`
 * applies them (dtc's `Documentation/dt-object-internal.txt` describes the
 * format; the Devicetree Specification does not): the overlay's phandles are
 * moved above the base's largest, `__local_fixups__` references follow them,
 * `__fixups__` references are resolved through the base's `__symbols__`,
 * each fragment's `__overlay__` is merged into its `target` (phandle) or
 * `target-path`, and the overlay's `__symbols__` are added to the base's.
 * Properties and nodes land where libfdt's read-write functions put them.
 *
 * @module
 */
import { BootprotoError, type Problem } from '../core/index.js';
import { FDT_MAX_PHANDLE } from './header.js';
import { decodeFdt, encodeFdt, findChild, nodeNameMatches, type FdtNode, type FdtProperty, type FdtTree } from './tree.js';

const utf8 = new TextDecoder('utf-8');

/**
 * A `__fixups__` entry, `path:property:offset`, parsed as libfdt parses it:
 * the offset goes through `strtoul`, which skips leading white space and takes
 * a sign. A negative offset other than `-0` is refused (libfdt would write
 * before the property's value).
 */
const FIXUP = /^([^:]*):([^:]+):[ \t\n\v\f\r]*([+-]?)([0-9]+)$/;

/** The offset of a parsed fixup, or -1 when it is negative. */
function fixupOffset(m: RegExpExecArray): number {
  const n = Number(m[4]);
  return m[3] === '-' && n !== 0 ? -1 : n;
}
const encoder = new TextEncoder();

/** libfdt's error names that an overlay can end with. */
type LibfdtError = 'FDT_ERR_BADOVERLAY' | 'FDT_ERR_NOTFOUND' | 'FDT_ERR_BADPHANDLE' | 'FDT_ERR_NOPHANDLES' | 'FDT_ERR_BADVALUE' | 'FDT_ERR_BADPATH';

function fail(error: LibfdtError, where: string, reason: string): never {
  throw new BootprotoError({
    code: error === 'FDT_ERR_NOTFOUND' ? 'NOT_FOUND' : 'BAD_VALUE',
    format: 'fdt',
    structure: 'overlay',
    field: where,
    offset: 0,
    reason: `${reason} (libfdt: ${error})`,
  });
}

/**
 * A deep copy of a node. Like every walk here it keeps its own stack instead
 * of recursing, so that a tree nested as deep as a blob allows (1024 nodes)
 * is handled at any reasonable call-stack size.
 */
function clone(node: FdtNode): FdtNode {
  const copyOf = (n: FdtNode): FdtNode => {
    const out: FdtNode = { name: n.name, properties: n.properties.map((p) => ({ ...p, value: p.value.slice() })), children: [] };
    if (n.nameBytes !== undefined) out.nameBytes = n.nameBytes;
    return out;
  };
  const root = copyOf(node);
  const pending: [FdtNode, FdtNode][] = [[node, root]];
  while (pending.length > 0) {
    const [from, to] = pending.pop() as [FdtNode, FdtNode];
    for (const c of from.children) {
      const copy = copyOf(c);
      to.children.push(copy);
      pending.push([c, copy]);
    }
  }
  return root;
}

function prop(node: FdtNode, name: string): FdtProperty | undefined {
  return node.properties.find((p) => p.name === name);
}

function u32(value: Uint8Array, at = 0): number {
  return new DataView(value.buffer, value.byteOffset, value.byteLength).getUint32(at);
}

function setU32(value: Uint8Array, at: number, v: number): void {
  new DataView(value.buffer, value.byteOffset, value.byteLength).setUint32(at, v >>> 0);
}

/** `fdt_get_phandle` on a tree node: 4-byte `phandle`, else 4-byte `linux,phandle`, else 0. */
function phandleOf(node: FdtNode): number {
  for (const name of ['phandle', 'linux,phandle']) {
    const p = prop(node, name);
    if (p !== undefined && p.value.length === 4) return u32(p.value);
  }
  return 0;
}

function* walk(node: FdtNode): Generator<FdtNode> {
  const stack: FdtNode[] = [node];
  while (stack.length > 0) {
    const n = stack.pop() as FdtNode;
    yield n;
    for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i] as FdtNode);
  }
}

function byPhandle(root: FdtNode, phandle: number): FdtNode | undefined {
  if (phandle === 0 || phandle > FDT_MAX_PHANDLE) return undefined;
  for (const n of walk(root)) if (phandleOf(n) === phandle) return n;
  return undefined;
}

/** `fdt_path_offset` on a tree: components matched as libfdt matches, a leading alias resolved (absolute aliases only). */
export function resolveTreePath(root: FdtNode, path: string): FdtNode | undefined {
  let node: FdtNode | undefined = root;
  let rest = path;
  if (!path.startsWith('/')) {
    const slash = path.indexOf('/');
    const alias = slash < 0 ? path : path.slice(0, slash);
    const aliases = findChild(root, 'aliases');
    const v = aliases === undefined ? undefined : prop(aliases, alias)?.value;
    if (v === undefined || v.length === 0 || v[v.length - 1] !== 0 || v[0] !== 0x2f) return undefined;
    node = resolveTreePath(root, utf8.decode(v.subarray(0, v.indexOf(0))));
    rest = slash < 0 ? '' : path.slice(slash);
  }
  for (const part of rest.split('/')) {
    if (part === '' || node === undefined) continue;
    node = findChild(node, part);
  }
  return node;
}

function pathOf(root: FdtNode, target: FdtNode): string | undefined {
  const pending: [FdtNode, string][] = [[root, '']];
  while (pending.length > 0) {
    const [n, prefix] = pending.pop() as [FdtNode, string];
    if (n === target) return prefix === '' ? '/' : prefix;
    for (let i = n.children.length - 1; i >= 0; i--) {
      const c = n.children[i] as FdtNode;
      pending.push([c, `${prefix}/${c.name}`]);
    }
  }
  return undefined;
}

/**
 * Walks two trees side by side, as a recursion over `(a, b)` pairs would —
 * `visit` runs on a pair, then on each pair `child` gives for `b`'s subnodes
 * in order, depth first — with its own stack instead of the call stack.
 * `child` returns undefined to skip a subnode; `tooDeep` runs (and may throw)
 * when a pair lies deeper than 1024 levels below the first, which is then
 * not visited.
 */
function walkPairs<T>(
  a: T,
  b: FdtNode,
  visit: (a: T, b: FdtNode, depth: number) => void,
  child: (a: T, c: FdtNode) => T | undefined,
  tooDeep: () => void,
): void {
  const frames: { a: T; b: FdtNode; next: number }[] = [];
  const enter = (x: T, y: FdtNode): void => {
    if (frames.length > 1024) {
      tooDeep();
      return;
    }
    visit(x, y, frames.length);
    frames.push({ a: x, b: y, next: 0 });
  };
  enter(a, b);
  while (frames.length > 0) {
    const top = frames[frames.length - 1] as { a: T; b: FdtNode; next: number };
    const c = top.b.children[top.next++];
    if (c === undefined) {
      frames.pop();
      continue;
    }
    const x = child(top.a, c);
    if (x !== undefined) enter(x, c);
  }
}

function adjustPhandles(node: FdtNode, delta: number): void {
  for (const n of walk(node)) {
    for (const name of ['phandle', 'linux,phandle']) {
      const p = prop(n, name);
      if (p === undefined) continue;
      if (p.value.length !== 4) fail('FDT_ERR_BADPHANDLE', name, `"${name}" of "${n.name}" is ${p.value.length} bytes, not 4`);
      const v = u32(p.value);
      const adjusted = v + delta;
      if (adjusted > 0xffffffff || adjusted === 0xffffffff) fail('FDT_ERR_NOPHANDLES', name, `phandle ${v} + ${delta} overflows`);
      setU32(p.value, 0, adjusted);
    }
  }
}

function updateLocalReferences(tree: FdtNode, fixups: FdtNode, delta: number): void {
  walkPairs(
    tree,
    fixups,
    (t, f) => updateLocalNode(t, f, delta),
    (t, c) => {
      const child = findChild(t, c.name);
      if (child === undefined) fail('FDT_ERR_BADOVERLAY', '__local_fixups__', `"${t.name}" has no subnode "${c.name}"`);
      return child;
    },
    () => fail('FDT_ERR_BADOVERLAY', '__local_fixups__', 'nesting deeper than 1024'),
  );
}

function updateLocalNode(tree: FdtNode, fixups: FdtNode, delta: number): void {
  for (const f of fixups.properties) {
    if (f.value.length % 4 !== 0) fail('FDT_ERR_BADOVERLAY', '__local_fixups__', `"${f.name}" is not a list of cells`);
    const target = prop(tree, f.name);
    if (target === undefined) fail('FDT_ERR_BADOVERLAY', '__local_fixups__', `"${tree.name}" has no property "${f.name}"`);
    for (let i = 0; i < f.value.length; i += 4) {
      const at = u32(f.value, i);
      if (at + 4 > target.value.length) fail('FDT_ERR_BADOVERLAY', '__local_fixups__', `offset ${at} is past "${f.name}" of "${tree.name}"`);
      setU32(target.value, at, u32(target.value, at) + delta);
    }
  }
}

function fixupPhandles(base: FdtNode, overlay: FdtNode): void {
  const fixups = resolveTreePath(overlay, '/__fixups__');
  if (fixups === undefined) return;
  const symbols = resolveTreePath(base, '/__symbols__');
  for (const f of fixups.properties) {
    const v = f.value;
    let start = 0;
    do {
      const nul = v.indexOf(0, start);
      if (nul < 0) fail('FDT_ERR_BADOVERLAY', '__fixups__', `"${f.name}" is not NUL-terminated`);
      const text = utf8.decode(v.subarray(start, nul));
      start = nul + 1;
      const m = FIXUP.exec(text);
      if (m === null || m[1] === undefined || m[2] === undefined || m[4] === undefined || fixupOffset(m) < 0) {
        fail('FDT_ERR_BADOVERLAY', '__fixups__', `"${text}" is not path:property:offset`);
      }
      if (symbols === undefined) fail('FDT_ERR_NOTFOUND', '__symbols__', 'the base has no /__symbols__');
      const symbol = prop(symbols, f.name);
      if (symbol === undefined) fail('FDT_ERR_NOTFOUND', '__symbols__', `the base has no symbol "${f.name}"`);
      const sNul = symbol.value.indexOf(0);
      const target = resolveTreePath(base, utf8.decode(sNul < 0 ? symbol.value : symbol.value.subarray(0, sNul)));
      if (target === undefined) fail('FDT_ERR_NOTFOUND', '__symbols__', `symbol "${f.name}" names no node`);
      const phandle = phandleOf(target);
      if (phandle === 0) fail('FDT_ERR_NOTFOUND', '__symbols__', `symbol "${f.name}" names a node without a phandle`);
      const node = resolveTreePath(overlay, m[1]);
      if (node === undefined) fail('FDT_ERR_BADOVERLAY', '__fixups__', `"${m[1]}" is not in the overlay`);
      const p = prop(node, m[2]);
      if (p === undefined) fail('FDT_ERR_NOTFOUND', '__fixups__', `"${m[1]}" has no property "${m[2]}"`);
      const at = fixupOffset(m);
      if (at + 4 > p.value.length) fail('FDT_ERR_BADVALUE', '__fixups__', `offset ${at} is past "${m[2]}"`);
      setU32(p.value, at, phandle);
    } while (start < v.length);
  }
}

interface Target {
  node: FdtNode;
  /** The `target-path` string, when the fragment named its target so. */
  path: string | undefined;
}

function targetOf(base: FdtNode, fragment: FdtNode): Target {
  const t = prop(fragment, 'target');
  if (t !== undefined) {
    if (t.value.length !== 4 || u32(t.value) === 0xffffffff) fail('FDT_ERR_BADPHANDLE', 'target', `"${fragment.name}" has an unresolved or malformed target`);
    const ph = u32(t.value);
    if (ph !== 0) {
      const node = byPhandle(base, ph);
      if (node === undefined) fail('FDT_ERR_NOTFOUND', 'target', `"${fragment.name}": no node has phandle ${ph}`);
      return { node, path: undefined };
    }
  }
  const tp = prop(fragment, 'target-path');
  if (tp === undefined) fail('FDT_ERR_BADOVERLAY', 'target-path', `"${fragment.name}" has neither target nor target-path`);
  const nul = tp.value.indexOf(0);
  const path = utf8.decode(nul < 0 ? tp.value : tp.value.subarray(0, nul));
  const node = resolveTreePath(base, path);
  if (node === undefined) fail(path.startsWith('/') ? 'FDT_ERR_NOTFOUND' : 'FDT_ERR_BADPATH', 'target-path', `"${fragment.name}": no node at "${path}"`);
  return { node, path };
}

function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * `fdt_setprop`: an existing property takes the value in place; a new one
 * goes first. Names compare as bytes (a name that is not UTF-8 carries them).
 */
function setProp(node: FdtNode, name: { name: string; nameBytes?: Uint8Array }, value: Uint8Array): void {
  const p = node.properties.find((q) => q.name === name.name && sameBytes(q.nameBytes, name.nameBytes));
  if (p !== undefined) p.value = value.slice();
  else node.properties.unshift(name.nameBytes === undefined ? { name: name.name, value: value.slice() } : { name: name.name, nameBytes: name.nameBytes, value: value.slice() });
}

function applyNode(target: FdtNode, node: FdtNode): void {
  walkPairs(
    target,
    node,
    (t, n) => {
      for (const p of n.properties) setProp(t, p, p.value);
    },
    (t, c) => {
      let sub = t.children.find((x) => nodeNameMatches(x.name, c.name));
      if (sub === undefined) {
        sub = c.nameBytes === undefined ? { name: c.name, properties: [], children: [] } : { name: c.name, nameBytes: c.nameBytes, properties: [], children: [] };
        t.children.unshift(sub);
      }
      return sub;
    },
    () => fail('FDT_ERR_BADOVERLAY', '__overlay__', 'nesting deeper than 1024'),
  );
}

const OVERLAY_SLASH = encoder.encode('/__overlay__/');

function startsWithBytes(a: Uint8Array, prefix: Uint8Array): boolean {
  if (a.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (a[i] !== prefix[i]) return false;
  return true;
}

function updateSymbols(base: FdtNode, overlay: FdtNode): void {
  const ovSym = findChild(overlay, '__symbols__');
  if (ovSym === undefined) return;
  let rootSym = findChild(base, '__symbols__');
  if (rootSym === undefined) {
    rootSym = { name: '__symbols__', properties: [], children: [] };
    base.children.unshift(rootSym);
  }
  for (const s of ovSym.properties) {
    // Worked on as bytes, so that a path that is not UTF-8 is copied exactly.
    const v = s.value;
    if (v.length < 1 || v.indexOf(0) !== v.length - 1) fail('FDT_ERR_BADVALUE', '__symbols__', `symbol "${s.name}" is not one string`);
    if (v[0] !== 0x2f) fail('FDT_ERR_BADVALUE', '__symbols__', `symbol "${s.name}" is not an absolute path`);
    const slash = v.indexOf(0x2f, 1);
    if (slash < 0) continue;
    const after = v.subarray(slash, v.length - 1);
    let rel: Uint8Array;
    if (startsWithBytes(after, OVERLAY_SLASH)) rel = after.subarray(OVERLAY_SLASH.length);
    else if (after.length === OVERLAY_SLASH.length - 1 && startsWithBytes(OVERLAY_SLASH, after)) rel = new Uint8Array(0);
    else continue; // a symbol outside every __overlay__ does not reach the base
    const fragName = utf8.decode(v.subarray(1, slash));
    const fragment = findChild(overlay, fragName);
    if (fragment === undefined) fail('FDT_ERR_BADOVERLAY', '__symbols__', `symbol "${s.name}": no fragment "${fragName}"`);
    if (findChild(fragment, '__overlay__') === undefined) fail('FDT_ERR_BADOVERLAY', '__symbols__', `fragment "${fragName}" has no __overlay__`);
    const target = targetOf(base, fragment);
    const tp = prop(fragment, 'target-path')?.value;
    let prefix =
      target.path === undefined || tp === undefined
        ? encoder.encode(pathOf(base, target.node) ?? '/')
        : tp.subarray(0, tp.indexOf(0) < 0 ? tp.length : tp.indexOf(0));
    if (prefix.length <= 1) prefix = new Uint8Array(0);
    const out = new Uint8Array(prefix.length + 1 + rel.length + 1);
    out.set(prefix);
    out[prefix.length] = 0x2f;
    out.set(rel, prefix.length + 1);
    setProp(rootSym, s, out);
  }
}

/**
 * Applies an overlay to a base tree and returns the result (neither input is
 * changed), as libfdt 1.6.1's `fdt_overlay_apply()` (and so `fdtoverlay`)
 * would. Throws {@link BootprotoError} (`BAD_VALUE` or `NOT_FOUND`, with
 * libfdt's error name in the reason) where libfdt fails.
 */
export function applyOverlay(base: FdtTree, overlay: FdtTree): FdtTree {
  const root = clone(base.root);
  const ov = clone(overlay.root);
  let delta = 0;
  for (const n of walk(root)) delta = Math.max(delta, phandleOf(n));
  adjustPhandles(ov, delta);
  const local = resolveTreePath(ov, '/__local_fixups__');
  if (local !== undefined) updateLocalReferences(ov, local, delta);
  fixupPhandles(root, ov);
  for (const fragment of ov.children) {
    const body = findChild(fragment, '__overlay__');
    if (body === undefined) continue;
    applyNode(targetOf(root, fragment).node, body);
  }
  updateSymbols(root, ov);
  return {
    version: base.version,
    lastCompVersion: base.lastCompVersion,
    bootCpuidPhys: base.bootCpuidPhys,
    reservations: base.reservations.map((r) => ({ ...r })),
    root,
  };
}

/** Applies an overlay blob to a base blob and encodes the result in dtc's layout (see {@link applyOverlay}). */
export function applyOverlayBlob(base: Uint8Array, overlay: Uint8Array): Uint8Array {
  return encodeFdt(applyOverlay(decodeFdt(base), decodeFdt(overlay)));
}

/**
 * Checks an overlay on its own, listing every problem found (never throws):
 * fragments without a well-formed `target`/`target-path`, malformed
 * `__fixups__` entries and entries naming a node, property or offset the
 * overlay lacks, `__local_fixups__` that do not match the overlay's nodes and
 * properties, `__symbols__` that are not absolute paths, phandles that are
 * not 4 bytes. With a `base`, then tries the application and adds the error
 * libfdt would stop at (an unknown symbol, a target that is not there).
 */
export function validateOverlay(overlay: Uint8Array, base?: Uint8Array): Problem[] {
  const problems: Problem[] = [];
  const add = (severity: Problem['severity'], field: string, message: string): void => {
    problems.push({ severity, code: 'FDT_OVERLAY', format: 'fdt', structure: 'overlay', field, offset: 0, message });
  };
  let ov: FdtTree;
  try {
    ov = decodeFdt(overlay);
  } catch (e) {
    if (!(e instanceof BootprotoError)) throw e;
    return [{ severity: 'error', code: e.code, format: 'fdt', structure: e.structure, offset: e.offset, message: e.reason }];
  }
  const root = ov.root;
  let fragments = 0;
  for (const child of root.children) {
    if (['__fixups__', '__local_fixups__', '__symbols__'].includes(child.name)) continue;
    if (findChild(child, '__overlay__') === undefined) {
      add('info', child.name, `"${child.name}" has no __overlay__ and is not applied`);
      continue;
    }
    fragments++;
    const t = prop(child, 'target');
    const tp = prop(child, 'target-path');
    if (t !== undefined) {
      if (t.value.length !== 4) add('error', 'target', `"${child.name}": target is ${t.value.length} bytes, not 4`);
    } else if (tp === undefined) add('error', 'target', `"${child.name}" has neither target nor target-path`);
    else if (tp.value.length === 0 || tp.value.indexOf(0) !== tp.value.length - 1) add('error', 'target-path', `"${child.name}": target-path is not one string`);
  }
  if (fragments === 0) add('warning', 'fragment', 'the overlay has no fragment with an __overlay__');
  for (const n of walk(root)) {
    for (const name of ['phandle', 'linux,phandle']) {
      const p = prop(n, name);
      if (p !== undefined && p.value.length !== 4) add('error', name, `"${n.name}": ${name} is ${p.value.length} bytes, not 4`);
    }
  }
  const fixups = findChild(root, '__fixups__');
  const fixedUp = new Set<string>();
  for (const f of fixups?.properties ?? []) {
    const v = f.value;
    if (v.length === 0 || v[v.length - 1] !== 0) {
      add('error', '__fixups__', `"${f.name}" is not a list of strings`);
      continue;
    }
    for (const text of utf8.decode(v.subarray(0, v.length - 1)).split('\0')) {
      const m = FIXUP.exec(text);
      if (m === null || m[1] === undefined || m[2] === undefined || m[4] === undefined || fixupOffset(m) < 0) {
        add('error', '__fixups__', `"${f.name}": "${text}" is not path:property:offset`);
        continue;
      }
      const node = resolveTreePath(root, m[1]);
      const p = node === undefined ? undefined : prop(node, m[2]);
      if (node === undefined) add('error', '__fixups__', `"${f.name}": no node "${m[1]}" in the overlay`);
      else if (p === undefined) add('error', '__fixups__', `"${f.name}": "${m[1]}" has no property "${m[2]}"`);
      else if (fixupOffset(m) + 4 > p.value.length) add('error', '__fixups__', `"${f.name}": offset ${fixupOffset(m)} is past "${m[2]}" of "${m[1]}"`);
      fixedUp.add(`${m[1]}:${m[2]}:${fixupOffset(m)}`);
    }
  }
  for (const child of root.children) {
    const t = prop(child, 'target');
    if (t !== undefined && t.value.length === 4 && u32(t.value) === 0xffffffff && !fixedUp.has(`/${child.name}:target:0`)) {
      add('error', 'target', `"${child.name}": target is unresolved (0xffffffff) and no __fixups__ entry resolves it`);
    }
  }
  const local = findChild(root, '__local_fixups__');
  const checkLocal = (tree: FdtNode, fix: FdtNode, path: string): void => {
    for (const f of fix.properties) {
      const p = prop(tree, f.name);
      if (f.value.length % 4 !== 0) add('error', '__local_fixups__', `${path}: "${f.name}" is not a list of cells`);
      else if (p === undefined) add('error', '__local_fixups__', `${path} has no property "${f.name}"`);
      else for (let i = 0; i < f.value.length; i += 4) {
        const at = u32(f.value, i);
        if (at + 4 > p.value.length) add('error', '__local_fixups__', `${path}: offset ${at} is past "${f.name}"`);
      }
    }
  };
  if (local !== undefined) {
    walkPairs(
      { tree: root, path: '/' },
      local,
      (x, fix) => checkLocal(x.tree, fix, x.path),
      (x, c) => {
        const t = findChild(x.tree, c.name);
        if (t === undefined) add('error', '__local_fixups__', `${x.path} has no subnode "${c.name}"`);
        return t === undefined ? undefined : { tree: t, path: `${x.path === '/' ? '' : x.path}/${c.name}` };
      },
      () => undefined,
    );
  }
  for (const sym of findChild(root, '__symbols__')?.properties ?? []) {
    const v = sym.value;
    if (v.length < 2 || v.indexOf(0) !== v.length - 1 || v[0] !== 0x2f) add('error', '__symbols__', `symbol "${sym.name}" is not an absolute path`);
  }
  if (base !== undefined && !problems.some((p) => p.severity === 'error')) {
    try {
      applyOverlay(decodeFdt(base), ov);
    } catch (e) {
      if (!(e instanceof BootprotoError)) throw e;
      const p: Problem = { severity: 'error', code: e.code, format: 'fdt', structure: e.structure, offset: e.offset, message: e.reason };
      if (e.field !== undefined) p.field = e.field;
      problems.push(p);
    }
  }
  return problems;
}

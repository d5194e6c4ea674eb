/**
 * Runs every walk over input-controlled nesting on trees 1000 levels deep
 * and prints what each did as JSON (`{ "name": "ok" | "<error>" }`).
 * `stack.test.ts` bundles it and runs it with a small call stack
 * (`node --stack-size=200`): a walk that recursed once per level would
 * overflow there. Not a test file itself.
 */
import { BootprotoError } from '../../src/core/index.js';
import {
  applyOverlay,
  applyOverlayBlob,
  cellsValue,
  decodeFdt,
  dts,
  encodeFdt,
  fdtOutline,
  fdtOutlineLines,
  FdtWriter,
  openFdt,
  stringValue,
  toDts,
  validateFdt,
  validateOverlay,
  type FdtNode,
  type FdtTree,
} from '../../src/fdt/index.js';
import { renderTree } from '../../src/cli/render.js';
import { fdtBlob } from '../../src/cli/fdt.js';

const DEPTH = Number(process.argv[2] ?? 1000);

/** A chain of `depth` nodes named `name`, the deepest holding `leaf`'s properties. */
function chain(depth: number, name: string, props: (level: number) => FdtNode['properties']): FdtNode {
  const top: FdtNode = { name, properties: props(0), children: [] };
  let n = top;
  for (let level = 1; level < depth; level++) {
    const c: FdtNode = { name, properties: props(level), children: [] };
    n.children.push(c);
    n = c;
  }
  return top;
}

const tree = (root: FdtNode): FdtTree => ({ version: 17, lastCompVersion: 16, bootCpuidPhys: 0, reservations: [], root });

/** The blob of a tree, written token by token with FdtWriter (no walk over the tree's depth): every other call is checked on its own. */
function write(root: FdtNode): Uint8Array {
  const w = new FdtWriter();
  const frames: { node: FdtNode; next: number }[] = [];
  const open = (n: FdtNode): void => {
    w.beginNode(n.name);
    for (const p of n.properties) w.property(p.name, p.value);
    frames.push({ node: n, next: 0 });
  };
  open(root);
  while (frames.length > 0) {
    const top = frames[frames.length - 1] as { node: FdtNode; next: number };
    const c = top.node.children[top.next++];
    if (c === undefined) {
      frames.pop();
      w.endNode();
    } else open(c);
  }
  return w.finish();
}

function depthOf(node: FdtNode): number {
  let d = 1;
  for (let n = node; n.children.length > 0; n = n.children[0] as FdtNode) d++;
  return d;
}

const results: Record<string, string> = {};
function check(name: string, fn: () => unknown): void {
  try {
    const r = fn();
    results[name] = r === false ? 'wrong result' : 'ok';
  } catch (e) {
    results[name] = e instanceof BootprotoError ? `BootprotoError ${e.code}: ${e.reason}` : `${(e as Error).name}: ${(e as Error).message}`;
  }
}

// A blob whose root holds a chain: DEPTH nodes in all.
const deepTree = tree({ name: '', properties: [{ name: 'compatible', value: stringValue('deep') }], children: [chain(DEPTH - 1, 'a', (l) => [{ name: 'level', value: cellsValue([l]) }])] });
const blob = write(deepTree.root);
check('encodeFdt', () => {
  const b = encodeFdt(deepTree);
  return b.length === blob.length && b.every((x, i) => x === blob[i]);
});
check('decodeFdt', () => depthOf(decodeFdt(blob).root) === DEPTH);
check('encodeFdt(decodeFdt) round trip', () => {
  const again = encodeFdt(decodeFdt(blob));
  return again.length === blob.length && again.every((b, i) => b === blob[i]);
});
check('toDts', () => toDts(decodeFdt(blob)).split('\n').filter((l) => l.endsWith('{')).length === DEPTH);
check('dts', () => dts(blob).length > 0);
check('fdtOutline', () => fdtOutline(blob) !== undefined);
check('fdtOutlineLines', () => fdtOutlineLines(blob).filter((l) => l.endsWith('{')).length === DEPTH);
check('validateFdt', () => validateFdt(blob).every((p) => p.severity !== 'error'));
check('openFdt', () => {
  const f = openFdt(blob);
  let deepest = 0;
  for (const n of f.nodes()) {
    deepest = Math.max(deepest, f.nodeDepth(n));
    f.nodePath(n);
    f.parent(n);
  }
  return deepest === DEPTH - 1; // the root is at depth 0
});
check('cli fdt handler', () => fdtBlob.fromBytes(blob, 0, {}).lines.length > DEPTH);

// An overlay whose one fragment's __overlay__ holds a chain, with a
// __local_fixups__ chain as deep pointing at a phandle reference in each node.
const OV = DEPTH - 4; // overlay root, fragment@0, __overlay__, then the chain: within 1024 levels once applied
const body = chain(OV, 'n', () => [{ name: 'ref', value: cellsValue([1]) }]);
body.properties.push({ name: 'phandle', value: cellsValue([1]) });
const overlay = tree({
  name: '',
  properties: [],
  children: [
    { name: 'fragment@0', properties: [{ name: 'target-path', value: stringValue('/') }], children: [{ name: '__overlay__', properties: [], children: [body] }] },
    {
      name: '__local_fixups__',
      properties: [],
      children: [{ name: 'fragment@0', properties: [], children: [{ name: '__overlay__', properties: [], children: [chain(OV, 'n', () => [{ name: 'ref', value: cellsValue([0]) }])] }] }],
    },
  ],
});
const base = tree({ name: '', properties: [{ name: 'phandle', value: cellsValue([7]) }], children: [] });
const overlayBlob = write(overlay.root);
check('encodeFdt (overlay)', () => encodeFdt(overlay).length === overlayBlob.length);
check('applyOverlay', () => {
  const out = applyOverlay(base, decodeFdt(overlayBlob));
  const top = out.root.children[0] as FdtNode;
  // Every reference moved past the base's largest phandle (7).
  let moved = 0;
  for (let n: FdtNode | undefined = top; n !== undefined; n = n.children[0]) {
    const ref = n.properties.find((p) => p.name === 'ref')?.value;
    if (ref !== undefined && new DataView(ref.buffer, ref.byteOffset, 4).getUint32(0) === 8) moved++;
  }
  return depthOf(top) === OV && moved === OV;
});
check('applyOverlayBlob', () => depthOf(decodeFdt(applyOverlayBlob(write(base.root), overlayBlob)).root) === OV + 1);
check('validateOverlay', () => validateOverlay(overlayBlob).every((p) => p.severity !== 'error'));
check('validateOverlay (with base)', () => validateOverlay(overlayBlob, write(base.root)).every((p) => p.severity !== 'error'));

// The command line's generic tree renderer on a deeply nested value.
check('renderTree', () => {
  let v: Record<string, unknown> = { leaf: 1 };
  for (let i = 0; i < DEPTH * 10; i++) v = { inner: v, list: [i] };
  const lines: string[] = [];
  renderTree(lines, '', 'value', v);
  return lines.some((l) => l.endsWith(': …'));
});

process.stdout.write(`${JSON.stringify(results)}\n`);

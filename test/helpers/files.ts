/**
 * Reads the repository's committed test inputs (test/fixtures, samples, docs)
 * with one synchronous API in both vitest projects, so a library test runs
 * unchanged in Node and in Chromium:
 * - in Node, straight from disk (`node:fs` through `process.getBuiltinModule`,
 *   so that this file has no node: import for the browser bundle to trip on);
 * - in the browser, every file is fetched from the Vite dev server once per
 *   run, when the first test file loads this module (top-level await; about
 *   1 MB in all), gunzipped ahead for `.gz` names, then served from memory
 *   (use {@link readGunzipped} for those: the server may send them already
 *   decompressed).
 *
 * Paths are relative to the repository root: `test/fixtures/pvh/guest32.elf`.
 */

interface NodeFs {
  readFileSync(path: URL): Uint8Array;
  readdirSync(path: URL): string[];
  statSync(path: URL): { isFile(): boolean };
}
interface NodeZlib {
  gunzipSync(bytes: Uint8Array): Uint8Array;
}

const nodeProcess = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
const getBuiltin = typeof nodeProcess?.getBuiltinModule === 'function' ? nodeProcess.getBuiltinModule.bind(nodeProcess) : undefined;
const fs = getBuiltin?.('node:fs') as NodeFs | undefined;
const zlib = getBuiltin?.('node:zlib') as NodeZlib | undefined;
const up = '../../'; // (a variable, so that Vite leaves this URL alone)
const root = new URL(up, import.meta.url);

/** True under the vitest node project (files come from disk). */
export const inNode: boolean = fs !== undefined && root.protocol === 'file:';
/** True in the browser project (Chromium). */
export const inBrowser: boolean = !inNode && typeof window === 'object' && typeof fetch === 'function';

/**
 * Every file the browser may ask for: the glob's keys (paths relative to this
 * file). Its loaders are never called: the dev server serves each file at its
 * own path, so one fetch per file is enough.
 */
const served: string[] = inNode ? [] : Object.keys(import.meta.glob(['../fixtures/**/*', '../../samples/**/*', '../../docs/*.md']));

interface Entry {
  raw: Uint8Array;
  gunzipped?: Uint8Array;
}
/** Browser cache: repository-relative path → raw bytes and, for `.gz`, the gunzipped bytes. */
type Cache = Map<string, Entry>;

async function gunzipInBrowser(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function loadServed(cache: Cache, rel: string): Promise<void> {
  const path = rel.replace(/^(\.\.\/)+/, (m) => (m === '../' ? 'test/' : ''));
  const url = new URL(rel, import.meta.url);
  let response: Response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw new Error(`${path}: fetch ${url} failed: ${String(e)}`);
  }
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status} from the dev server`);
  const raw = new Uint8Array(await response.arrayBuffer());
  // The dev server may send a .gz file with Content-Encoding: gzip, so the
  // browser has already decompressed it: gunzip only what still has the magic.
  const gzipped = raw[0] === 0x1f && raw[1] === 0x8b;
  cache.set(path, { raw, gunzipped: path.endsWith('.gz') ? (gzipped ? await gunzipInBrowser(raw) : raw) : undefined });
}

async function loadAll(): Promise<Cache> {
  const cache: Cache = new Map();
  // A few requests at a time: thousands of pending requests make Chromium fail some.
  const queue = [...served];
  const worker = async (): Promise<void> => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) await loadServed(cache, next);
  };
  await Promise.all(Array.from({ length: 6 }, worker));
  return cache;
}

/**
 * Each test file runs in its own frame of vitest's page: the first one loads
 * the files and leaves the (read-only) cache on the top window, where the
 * others find it, instead of every file fetching them all again.
 */
function sharedLoad(): Promise<Cache> {
  let top: { __bootprotoTestFiles?: Promise<Cache> } | undefined;
  try {
    top = window.top as unknown as { __bootprotoTestFiles?: Promise<Cache> };
  } catch {
    top = undefined; // another origin: load here
  }
  if (top === undefined || top === null) return loadAll();
  top.__bootprotoTestFiles ??= loadAll();
  return top.__bootprotoTestFiles;
}

const cache: Cache = inNode ? new Map() : await sharedLoad();

function raw(path: string): Uint8Array {
  if (fs !== undefined) return fs.readFileSync(new URL(path, root));
  const hit = cache.get(path);
  if (hit === undefined) throw new Error(`${path}: not a committed test input the browser project serves (see test/helpers/files.ts)`);
  return hit.raw;
}

/** A file's bytes: a fresh copy on every call, so a test may patch it. */
export function readBytes(path: string): Uint8Array {
  return new Uint8Array(raw(path));
}

/** A `.gz` file's decompressed bytes (a fresh copy). */
export function readGunzipped(path: string): Uint8Array {
  if (zlib !== undefined) return new Uint8Array(zlib.gunzipSync(raw(path)));
  const hit = cache.get(path);
  if (hit?.gunzipped === undefined) throw new Error(`${path}: not a served .gz file`);
  return new Uint8Array(hit.gunzipped); // a copy made in this frame (the cache may come from another)
}

/** A file's text: UTF-8, or Latin-1 (one character per byte, as Node's 'latin1'). */
export function readText(path: string, encoding: 'utf8' | 'latin1' = 'utf8'): string {
  const bytes = raw(path);
  if (encoding === 'utf8') return new TextDecoder().decode(bytes);
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return s;
}

/** The names of the files directly in `dir` (repository-relative, no trailing slash), sorted. */
export function listFiles(dir: string): string[] {
  if (fs !== undefined) {
    const base = new URL(`${dir}/`, root);
    return fs
      .readdirSync(base)
      .filter((f) => fs.statSync(new URL(f, base)).isFile())
      .sort();
  }
  const prefix = `${dir}/`;
  return [...cache.keys()]
    .filter((p) => p.startsWith(prefix) && !p.slice(prefix.length).includes('/'))
    .map((p) => p.slice(prefix.length))
    .sort();
}

/** An environment variable in Node (a test's seed or run count); undefined in the browser. */
export function testEnv(name: string): string | undefined {
  return (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[name];
}

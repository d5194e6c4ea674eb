/**
 * The fuzz harness: runs a target over seeded mutations of its seeds and
 * checks the invariants of issue 11 on every input —
 * - a decoder, view or cursor walk throws nothing but `BootprotoError`;
 * - a validator never throws;
 * - where an input decodes and the module has an encoder, encoding gives the same bytes;
 * - each input takes less than `maxMs` (default 200 ms; inputs are ≤ 64 KiB);
 * - the heap and array buffers grow by no more than `allocFactor × input + allocSlack` per input.
 * Every violation is returned with the input that caused it, to be kept as a
 * regression fixture.
 */
import { BootprotoError } from '../../src/core/index.js';
import { MAX_INPUT, Rng, nextInput, type Mutator } from './mutate.js';

/** An invariant broken by one input. */
export class Violation extends Error {
  constructor(
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'Violation';
  }
}

/** One fuzz target: a named group of calls made on every input. */
export interface Target {
  /** `module/what`, e.g. `fdt/openFdt`. */
  name: string;
  /** The real inputs mutations start from. */
  seeds(): Uint8Array[];
  /** Inputs in the `npm test` smoke pass when not the default (slow targets run fewer). */
  smokeRuns?: number;
  /** Calls the target's functions on `input`; throws {@link Violation} when an invariant breaks. */
  run(input: Uint8Array): void;
  /**
   * Bytes `run` may legitimately allocate beyond the bound set for `input`
   * (`allocFactor × input + allocSlack`): for a target that makes a larger
   * file from the input (the CLI's 17 MiB sparse images), the file's share.
   */
  allocExtra?(input: Uint8Array): number;
  /**
   * Milliseconds `run` may take beyond `maxMs` for `input`, for the same
   * targets: the time the larger file's share allows (linear in its size).
   */
  msExtra?(input: Uint8Array): number;
}

function describe(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}${e.stack ? `\n${e.stack.split('\n').slice(1, 6).join('\n')}` : ''}`;
  return String(e);
}

/** Runs a decoder/view/walk: returns its value, or undefined when it threw `BootprotoError`; anything else is a violation. */
export function decoding<T>(what: string, fn: () => T): T | undefined {
  try {
    return fn();
  } catch (e) {
    if (e instanceof BootprotoError) {
      if (typeof e.code !== 'string' || typeof e.reason !== 'string' || !Number.isFinite(e.offset)) {
        throw new Violation(`${what} threw a BootprotoError without code/reason/offset: ${describe(e)}`, e);
      }
      return undefined;
    }
    throw new Violation(`${what} threw a non-BootprotoError: ${describe(e)}`, e);
  }
}

/** Runs a validator: it must return a list and never throw. */
export function validating<T>(what: string, fn: () => readonly T[]): readonly T[] {
  let out: readonly T[];
  try {
    out = fn();
  } catch (e) {
    throw new Violation(`validator ${what} threw: ${describe(e)}`, e);
  }
  if (!Array.isArray(out)) throw new Violation(`validator ${what} returned a non-array`);
  return out;
}

/** Runs a function that must not throw at all (a detector, a converter on decoded data). */
export function total<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw new Violation(`${what} threw: ${describe(e)}`, e);
  }
}

/** Checks that `actual` equals `expected` byte for byte. */
export function sameBytes(what: string, expected: Uint8Array, actual: Uint8Array): void {
  if (expected.length !== actual.length) throw new Violation(`${what}: round trip gave ${actual.length} bytes, not ${expected.length}`);
  for (let i = 0; i < expected.length; i++) {
    if (expected[i] !== actual[i]) throw new Violation(`${what}: round trip differs at byte ${i}`);
  }
}

/** A broken invariant, with what reproduces it. */
export interface Failure {
  target: string;
  seed: number;
  index: number;
  trail: Mutator[];
  message: string;
  input: Uint8Array;
}

/** How to run. */
export interface RunOptions {
  /** PRNG seed (the run is reproducible from it). */
  seed: number;
  /** Stop after this many inputs. */
  count?: number;
  /** Stop after this many seconds. */
  seconds?: number;
  /** Time bound per input (ms). */
  maxMs?: number;
  /** Heap growth bound per input: allocFactor × input length + allocSlack bytes. */
  allocFactor?: number;
  allocSlack?: number;
  /** Stop after this many distinct failures. */
  maxFailures?: number;
  /** Measure heap growth (V8 heap + external memory, which holds array buffers) on every input; about 0.3 µs each. Ignored where {@link heapMeasurable} is false. */
  checkHeap?: boolean;
  /**
   * Capture stack traces of errors thrown while running (default false): a
   * thrown error's stack costs a few µs, most inputs throw several
   * `BootprotoError`s and nothing reads their stacks. A failing input is run
   * again with stacks on, so its report still shows where it broke.
   */
  stacks?: boolean;
}

/** What a run did. */
export interface RunResult {
  target: string;
  inputs: number;
  failures: Failure[];
  slowest: { ms: number; size: number };
  largestGrowth: number;
  ms: number;
}

/**
 * The JavaScript heap plus V8's external memory (array buffers' backing
 * stores are counted there). `v8.getHeapStatistics()` costs about 0.3 µs;
 * `process.memoryUsage()`, used before, about 10 µs (it reads the RSS too),
 * which was a sixth of the time of a fast target.
 */
type HeapStatistics = () => { used_heap_size: number; external_memory: number };
const nodeProcess = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown; memoryUsage?: () => { heapUsed: number; arrayBuffers: number } } }).process;
// Looked up at run time, not imported: the harness stays loadable where there is no node:v8.
const getHeapStatistics = (nodeProcess?.getBuiltinModule?.('node:v8') as { getHeapStatistics?: HeapStatistics } | undefined)?.getHeapStatistics;

/**
 * True where the heap can be measured (Node). In a browser there are no V8
 * heap statistics (Chromium's `performance.memory` is coarse and updated
 * lazily), so `checkHeap` is ignored there: a smoke test says so in its title.
 */
export const heapMeasurable: boolean = getHeapStatistics !== undefined || typeof nodeProcess?.memoryUsage === 'function';

function heapBytes(): number {
  if (getHeapStatistics) {
    const s = getHeapStatistics();
    return s.used_heap_size + s.external_memory;
  }
  const m = nodeProcess?.memoryUsage?.();
  return m ? m.heapUsed + m.arrayBuffers : 0;
}

/** A cheap monotonic clock in ms (`process.hrtime.bigint` is ~5× cheaper than `performance.now` on Node 20). */
const hrtime = (globalThis as { process?: { hrtime?: { bigint?: () => bigint } } }).process?.hrtime?.bigint;
const now: () => number = hrtime ? () => Number(hrtime()) / 1e6 : () => performance.now();

/** Runs one input through `target` with the time and heap checks; returns the violation message or undefined. */
export function checkOne(target: Target, input: Uint8Array, opts: RunOptions, stats?: RunResult): string | undefined {
  const maxMs = (opts.maxMs ?? 200) + (target.msExtra?.(input) ?? 0);
  const before = opts.checkHeap && heapMeasurable ? heapBytes() : undefined;
  const t0 = now();
  let message: string | undefined;
  try {
    target.run(input);
  } catch (e) {
    message = e instanceof Violation ? e.message : `harness: ${describe(e)}`;
  }
  const ms = now() - t0;
  if (message !== undefined) return message;
  if (before !== undefined) {
    const growth = heapBytes() - before;
    if (stats && growth > stats.largestGrowth) stats.largestGrowth = growth;
    const bound = (opts.allocFactor ?? 256) * input.length + (opts.allocSlack ?? 32 * 1024 * 1024) + (target.allocExtra?.(input) ?? 0);
    if (growth > bound) return `heap grew by ${growth} bytes on a ${input.length}-byte input (bound ${bound})`;
  }
  if (stats && ms > stats.slowest.ms) stats.slowest = { ms, size: input.length };
  if (ms > maxMs) {
    // One slow run may be a GC pause or JIT; a second one is the input's fault.
    const t1 = now();
    try {
      target.run(input);
    } catch {
      /* already checked */
    }
    const again = now() - t1;
    if (again > maxMs) return `took ${ms.toFixed(1)} ms then ${again.toFixed(1)} ms on a ${input.length}-byte input (bound ${maxMs} ms)`;
  }
  return undefined;
}

/** Runs `target` over mutated seeds. */
export function runTarget(target: Target, opts: RunOptions, pool?: readonly Uint8Array[]): RunResult {
  const seeds = target.seeds().map((s) => (s.length > MAX_INPUT ? s.slice(0, MAX_INPUT) : s));
  if (seeds.length === 0) throw new Error(`${target.name}: no seeds`);
  const splicePool = pool && pool.length > 0 ? pool : seeds;
  const rng = new Rng(opts.seed);
  const result: RunResult = { target: target.name, inputs: 0, failures: [], slowest: { ms: 0, size: 0 }, largestGrowth: 0, ms: 0 };
  const seen = new Set<string>();
  const trail: Mutator[] = [];
  const stackTraceLimit = Error.stackTraceLimit;
  if (!opts.stacks) Error.stackTraceLimit = 0;
  try {
    runInputs(target, opts, seeds, splicePool, rng, result, seen, trail);
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
  return result;
}

/** A failing input's message again, with stack traces on (the run captures none). */
function withStacks(target: Target, input: Uint8Array, opts: RunOptions, message: string): string {
  if (opts.stacks) return message;
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 10;
  try {
    return checkOne(target, input, { ...opts, stacks: true }) ?? message;
  } finally {
    Error.stackTraceLimit = limit;
  }
}

function runInputs(
  target: Target,
  opts: RunOptions,
  seeds: readonly Uint8Array[],
  splicePool: readonly Uint8Array[],
  rng: Rng,
  result: RunResult,
  seen: Set<string>,
  trail: Mutator[],
): void {
  const start = performance.now();
  const deadline = opts.seconds !== undefined ? start + opts.seconds * 1000 : Infinity;
  const count = opts.count ?? Infinity;
  // The seeds themselves first: the real fixtures must pass.
  for (let i = 0; i < seeds.length && result.inputs < count; i++, result.inputs++) {
    const message = checkOne(target, seeds[i] as Uint8Array, opts, result);
    if (message !== undefined) {
      const input = seeds[i] as Uint8Array;
      result.failures.push({ target: target.name, seed: opts.seed, index: -1 - i, trail: [], message: withStacks(target, input, opts, message), input });
    }
  }
  while (result.inputs < count && (result.inputs & 63 || performance.now() < deadline)) {
    const index = result.inputs++;
    const input = nextInput(rng, seeds, splicePool, trail);
    const message = checkOne(target, input, opts, result);
    if (message !== undefined) {
      const key = message.split('\n')[0]!.replace(/\d+/g, 'N');
      if (seen.has(key)) continue;
      seen.add(key);
      result.failures.push({ target: target.name, seed: opts.seed, index, trail: [...trail], message: withStacks(target, input, opts, message), input });
      if (result.failures.length >= (opts.maxFailures ?? 20)) break;
    }
  }
  result.ms = performance.now() - start;
}

/** The input `runTarget` makes as number `index` for `seed` (negative: the seeds themselves), without running anything. */
export function inputAt(target: Target, seed: number, index: number, pool?: readonly Uint8Array[]): Uint8Array {
  const seeds = target.seeds().map((s) => (s.length > MAX_INPUT ? s.slice(0, MAX_INPUT) : s));
  if (index < 0) return seeds[-1 - index] as Uint8Array;
  const rng = new Rng(seed);
  const trail: Mutator[] = [];
  let input: Uint8Array = new Uint8Array(0);
  for (let i = seeds.length; i <= index; i++) input = nextInput(rng, seeds, pool && pool.length > 0 ? pool : seeds, trail);
  return input;
}


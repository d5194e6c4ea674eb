/**
 * The harness itself: its cheaper checks (heap measured through V8's
 * statistics, errors thrown without stack traces during a run) still catch
 * what they are for, and a failure's report still says where it broke.
 */
import { describe, expect, it } from 'vitest';
import { BootprotoError } from '../../src/core/index.js';
import { decoding, runTarget, type Target } from './harness.js';

const seeds = (): Uint8Array[] => [new Uint8Array(64)];
let kept: unknown[] = [];

function target(name: string, run: (b: Uint8Array) => void): Target {
  return { name, seeds, run };
}

describe('fuzz harness', () => {
  it('reports a non-BootprotoError with the stack of where it was thrown', () => {
    function throwsTypeError(b: Uint8Array): void {
      if (b.length > 0) throw new TypeError('boom');
    }
    const r = runTarget(target('t/type', (b) => decoding('throwsTypeError', () => throwsTypeError(b))), { seed: 1, count: 50 });
    expect(r.failures.length).toBeGreaterThan(0);
    expect(r.failures[0]?.message).toMatch(/non-BootprotoError: TypeError: boom/);
    expect(r.failures[0]?.message).toMatch(/throwsTypeError/); // the stack, captured again for the report
    expect(Error.stackTraceLimit).toBeGreaterThan(0); // restored after the run
  });

  it('lets BootprotoError through and counts every input', () => {
    const fail = (): never => {
      throw new BootprotoError({ code: 'TRUNCATED', format: 'fdt', structure: 'x', offset: 0, reason: 'short' });
    };
    const r = runTarget(target('t/ok', () => decoding('fail', fail)), { seed: 1, count: 300, checkHeap: true });
    expect(r.failures).toEqual([]);
    expect(r.inputs).toBe(300);
  });

  it('catches an allocation far larger than the input (array buffers counted)', () => {
    const r = runTarget(
      target('t/alloc', () => {
        kept.push(new Uint8Array(48 * 1024 * 1024).fill(1));
      }),
      { seed: 1, count: 1, checkHeap: true },
    );
    kept = [];
    expect(r.failures[0]?.message).toMatch(/heap grew by \d+ bytes/);
  });

  it('catches a slow input (after one retry)', () => {
    const r = runTarget(
      target('t/slow', () => {
        const until = performance.now() + 30;
        while (performance.now() < until) {
          /* spin */
        }
      }),
      { seed: 1, count: 2, maxMs: 5 },
    );
    expect(r.failures[0]?.message).toMatch(/took .* ms then .* ms/);
  });
});

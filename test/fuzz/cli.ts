/**
 * Long fuzz runs: `npm run fuzz -- [--target NAME|all] [--seconds N] [--count N] [--seed N] [--save] [--no-heap] [--max-ms N]`;
 * one input again: `npm run fuzz -- --target NAME --seed S --replay INDEX [--out FILE]`.
 * Prints, per target, the inputs run, the failures (with the mutation trail),
 * the slowest input and the largest heap growth; `--save` writes each failing
 * input to `test/fixtures/fuzz/<target>-<n>.bin`. `--list` lists the targets.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { checkOne, inputAt, runTarget, type Target } from './harness.js';
import { ALL_TARGETS } from './cli-targets.js';
import { findTarget } from './targets.js';

const targetByName = (name: string): Target => findTarget(ALL_TARGETS, name);

function arg(name: string): string | undefined {
  const argv = process.argv.slice(2);
  const i = argv.indexOf(`--${name}`);
  if (i >= 0) return argv[i + 1];
  const eq = argv.find((a) => a.startsWith(`--${name}=`));
  return eq?.slice(name.length + 3);
}
const flag = (name: string): boolean => process.argv.includes(`--${name}`);

if (flag('list')) {
  for (const t of ALL_TARGETS) console.log(t.name);
  process.exit(0);
}

const replay = arg('replay');
if (replay !== undefined) {
  // Rebuild one input of an earlier run: --target NAME --seed S --replay INDEX --out FILE.
  const target = targetByName(arg('target') ?? '');
  const input = inputAt(target, Number(arg('seed') ?? 0), Number(replay));
  const out = arg('out') ?? `${target.name.replace('/', '-')}-replay.bin`;
  writeFileSync(out, input);
  console.log(`${out}: ${input.length} bytes; ${checkOne(target, input, { seed: 0, checkHeap: true }) ?? 'the invariants hold'}`);
  process.exit(0);
}

const which = arg('target') ?? 'all';
const targets = which === 'all' ? ALL_TARGETS : which.split(',').map(targetByName);
const seconds = arg('seconds') !== undefined ? Number(arg('seconds')) : undefined;
const count = arg('count') !== undefined ? Number(arg('count')) : undefined;
const seed = Number(arg('seed') ?? Date.now() % 0x100000000);
const save = flag('save');
const fixtureDir = new URL('../fixtures/fuzz/', import.meta.url);

let failed = 0;
for (const target of targets) {
  const r = runTarget(target, {
    seed,
    ...(seconds !== undefined ? { seconds } : {}),
    ...(count !== undefined || seconds === undefined ? { count: count ?? 10000 } : {}),
    maxMs: Number(arg('max-ms') ?? 200),
    checkHeap: !flag('no-heap'),
  });
  failed += r.failures.length;
  const rate = r.inputs / (r.ms / 1000);
  console.log(
    `${target.name}: ${r.inputs} inputs in ${(r.ms / 1000).toFixed(1)} s (${rate.toFixed(0)}/s), seed ${seed}, ` +
      `${r.failures.length} failures, slowest ${r.slowest.ms.toFixed(1)} ms (${r.slowest.size} B), largest heap growth ${(r.largestGrowth / 1024).toFixed(0)} KiB`,
  );
  for (const f of r.failures) {
    console.log(`  #${f.index} [${f.trail.join(',')}] ${f.message}`);
    if (save) {
      mkdirSync(fixtureDir, { recursive: true });
      const stem = target.name.replace('/', '-');
      const n = readdirSync(fixtureDir).filter((x) => x.startsWith(`${stem}-`)).length + 1;
      const file = new URL(`${stem}-${n}.bin`, fixtureDir);
      writeFileSync(file, f.input);
      console.log(`  saved ${file.pathname}`);
    }
  }
}
process.exit(failed > 0 ? 1 : 0);

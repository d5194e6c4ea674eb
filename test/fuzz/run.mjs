// Bundles test/fuzz/cli.ts with esbuild (already installed for tsup) and runs
// it in this Node process: `npm run fuzz -- --target NAME --seconds N`.
import { build } from 'esbuild';
import { mkdirSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const outdir = new URL('../../.cache/fuzz/', import.meta.url);
mkdirSync(outdir, { recursive: true });
const outfile = new URL('cli.mjs', outdir).pathname;
await build({
  entryPoints: [new URL('cli.ts', import.meta.url).pathname],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile,
  sourcemap: 'inline',
  packages: 'external',
  logLevel: 'warning',
  // Fixture paths are resolved from the source file, not the bundle.
  define: { 'import.meta.url': JSON.stringify(new URL('cli.ts', import.meta.url).href) },
});
await import(pathToFileURL(outfile).href);

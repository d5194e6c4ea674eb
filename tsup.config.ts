import { defineConfig } from 'tsup';

const modules = ['pvh', 'multiboot', 'linux-bootparams', 'pecoff', 'efi-memmap', 'fdt'];

export default defineConfig([
  {
    // The library: platform-neutral, ESM + CJS + .d.ts, one entry per subpath.
    entry: {
      index: 'src/index.ts',
      ...Object.fromEntries(modules.map((m) => [`${m}/index`, `src/${m}/index.ts`])),
    },
    format: ['esm', 'cjs'],
    platform: 'neutral',
    target: 'es2022',
    dts: true,
    // Shared chunks in both formats, so that `bootproto` and `bootproto/pvh`
    // share one BootprotoError class (instanceof works across entry points).
    splitting: true,
    sourcemap: true,
    // Both configs build at the same time: the library cleans dist/ but leaves
    // dist/cli/ to the command line's own build (else the clean can race it).
    clean: ['!cli/**'],
    treeshake: true,
  },
  {
    // The command line: Node only.
    entry: { main: 'src/cli/main.ts' },
    outDir: 'dist/cli',
    format: ['esm'],
    platform: 'node',
    target: 'node20',
    banner: { js: '#!/usr/bin/env node' },
    sourcemap: true,
    clean: true,
  },
]);

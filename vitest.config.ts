import { defineConfig } from 'vitest/config';
import { playwright } from '@vitest/browser-playwright';

// Two projects: `node` runs every test (with the allocation guard's flags);
// `browser` runs the library test suite again in Debian's Chromium, proving
// the library needs nothing from Node. Tests read committed files through
// test/helpers/files.ts, which serves them in both. Point CHROMIUM at another
// binary if needed.
const chromium = process.env.CHROMIUM ?? '/usr/bin/chromium';

// The tests that need Node itself, so run in the node project only
// (docs/testing.md lists them too).
const nodeOnly = [
  'test/tools/**', // live cross-checks against QEMU, gcc, GRUB… (their own config)
  'test/docs/**', // run the docs' code blocks through tsc and the file system
  'test/bundle-size.test.ts', // bundles the package with esbuild and gzips it
  'test/alloc-guards.test.ts', // heap deltas: --expose-gc, node:v8, process.memoryUsage
  'test/*/alloc.test.ts', // the same allocation guard per module
  'test/pecoff/header-view.test.ts', // ends with the header view's allocation guard (node:v8, process.memoryUsage)
  'test/cli/**', // the command line (src/cli is Node code: files, stdout, exit codes)
  'test/fuzz/**', // the fuzz harness: its targets include the CLI (files, child processes) and heap checks
];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          include: ['test/**/*.test.ts'],
          exclude: ['test/tools/**'],
          environment: 'node',
          pool: 'forks',
          execArgv: ['--expose-gc', '--min-semi-space-size=64', '--max-semi-space-size=64'],
        },
      },
      {
        test: {
          name: 'browser',
          include: ['test/**/*.test.ts'],
          exclude: nodeOnly,
          browser: {
            enabled: true,
            headless: true,
            provider: playwright({
              launchOptions: {
                executablePath: chromium,
                args: [
                  '--no-sandbox',
                  '--headless',
                  '--disable-gpu',
                  '--disable-background-networking',
                  '--disable-component-update',
                  '--disable-sync',
                ],
              },
            }),
            instances: [{ browser: 'chromium' }],
            // A failing test's screenshot goes to the git-ignored cache, not next to the test.
            screenshotDirectory: '.cache/browser-screenshots',
          },
        },
      },
    ],
  },
});

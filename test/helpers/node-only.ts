/**
 * The tests that need Node itself, so run in the node project only (the
 * browser project excludes them; vitest.config.ts). Every other test file
 * must load and pass in Chromium too: test/helpers/browser-safe.test.ts
 * checks that none of them reaches a node: module. docs/testing.md lists
 * these with the same reasons.
 */
export const NODE_ONLY: readonly string[] = [
  'test/tools/**', // live cross-checks against QEMU, gcc, GRUB… (their own config)
  'test/docs/**', // run the docs' code blocks through tsc and the file system
  'test/bundle-size.test.ts', // bundles the package with esbuild and gzips it
  'test/alloc-guards.test.ts', // heap deltas: --expose-gc, node:v8, process.memoryUsage
  'test/*/alloc.test.ts', // the same allocation guard per module
  'test/pecoff/header-view.test.ts', // ends with the header view's allocation guard (node:v8, process.memoryUsage)
  'test/cli/**', // the command line (src/cli is Node code: files, stdout, exit codes)
  'test/fuzz/smoke-cli.test.ts', // the command line's fuzz targets (src/cli: files, stdout); the library's smoke pass runs in both
  'test/fuzz/harness.test.ts', // checks the harness's heap measurement (node:v8)
  'test/fuzz/lying-sizes.test.ts', // heap deltas through process.memoryUsage
  'test/fuzz/stack.test.ts', // bundles a deep-input probe with esbuild and runs it in a child process
  'test/fuzz/arguments.test.ts', // reads its fixtures with node:fs
  'test/fuzz/regressions.test.ts', // lists test/fixtures/fuzz with node:fs; its targets include the CLI's
  'test/helpers/browser-safe.test.ts', // reads the test sources from disk
];

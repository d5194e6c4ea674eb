import { defineConfig } from 'vitest/config';

// The second tier: live cross-checks against real tools (QEMU, gcc/binutils, …).
// Run by `npm run test:tools`, after `.ci/run` has installed the tools.
export default defineConfig({
  test: {
    name: 'tools',
    include: ['test/tools/**/*.test.ts'],
    environment: 'node',
    testTimeout: 180_000,
    hookTimeout: 300_000,
    fileParallelism: false,
  },
});

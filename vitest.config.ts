import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Native modules (better-sqlite3, naudiodon) and tfjs-wasm are happier in forked processes than in threads.
    pool: 'forks',
    reporters: ['default', './test/reporters/summary.ts'],
  },
});

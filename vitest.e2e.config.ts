import { defineConfig } from 'vitest/config';

// Browser journeys: real Chromium via playwright-core, one file at a time (each starts its own server).
export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.ts'],
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});

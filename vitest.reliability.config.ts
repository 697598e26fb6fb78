import { defineConfig } from 'vitest/config';

// `npm run test:reliability`: the whole reliability suite of issue 7 — the fast scenarios that
// `npm test` also runs, plus the slow ones under test/reliability/slow/. Every scenario starts
// real API and worker processes, so files run one at a time: on a 2-core machine two files'
// processes side by side only make each other's timings meaningless.
export default defineConfig({
  test: {
    environment: 'node',
    include: ['test/reliability/**/*.test.ts'],
    setupFiles: ['test/support/leak-check.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 1,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    environment: 'node',
    include: ['test/**/*.test.ts'],
    // The slow fault and load scenarios run with `npm run test:reliability` only.
    exclude: ['**/node_modules/**', 'test/reliability/slow/**'],
    globalSetup: ['test/support/global-setup.ts'],
    // Fails a file that leaves sockets, servers, child processes or timers open.
    setupFiles: ['test/support/leak-check.ts'],
    pool: 'forks',
    // Each file has its own database and queue prefix, so files may run side by side.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});

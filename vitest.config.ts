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
    // Hooks start real API and worker processes: on a busy 2-core machine a start can take
    // tens of seconds (processes.ts waits up to 90 s for one).
    hookTimeout: 120_000,
  },
});

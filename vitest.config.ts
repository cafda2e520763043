import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Temporal workers need real processes: the forks pool, never threads.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    include: ['test/**/*.test.ts'],
    // A real PostgreSQL server for the run (the .venv's binaries); each file takes its own database.
    globalSetup: ['./test/globalSetup.ts'],
    reporters: ['default', './test/summaryReporter.ts'],
    testTimeout: 60_000,
    hookTimeout: 90_000,
  },
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Native inference and child-process probes are slow on a shared 2-core host.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Forks isolate a native crash in one file from the others.
    pool: 'forks',
    // The leak test calls gc() to tell leaked native memory from garbage not yet collected.
    poolOptions: { forks: { execArgv: ['--expose-gc'] } },
  },
});

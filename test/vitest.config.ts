import { defineConfig } from 'vitest/config';

// End-to-end runs start Redis, ingest, api (and the dashboard with Chromium) as real processes: a minute or two,
// not seconds. expect.poll waits on those processes and the browser: 15 s by default, longer where a spec says so.
export default defineConfig({
  test: {
    include: ['src/**/*.e2e.spec.ts'],
    testTimeout: 180_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    expect: { poll: { timeout: 15_000, interval: 200 } },
  },
});

import { defineConfig } from 'vitest/config';

// End-to-end runs start Redis, ingest, api and a camera as real processes: a minute or two, not seconds.
export default defineConfig({ test: { include: ['src/**/*.e2e.spec.ts'], testTimeout: 180_000, hookTimeout: 120_000, fileParallelism: false } });

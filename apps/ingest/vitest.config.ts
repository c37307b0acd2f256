import { defineConfig } from 'vitest/config';

// Integration tests stream real video through the real models: minutes, not seconds.
export default defineConfig({ test: { testTimeout: 180_000, hookTimeout: 120_000, fileParallelism: false } });

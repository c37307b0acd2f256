import { defineConfig } from 'vitest/config';

// Integration tests run real Redis and the real ONNX models: seconds per test, not milliseconds.
export default defineConfig({ test: { testTimeout: 120_000, hookTimeout: 120_000, fileParallelism: false } });

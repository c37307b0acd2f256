import { defineConfig } from 'vitest/config';

// Model-backed tests load three ONNX sessions; on 2 cores the first load takes a few seconds.
export default defineConfig({
  test: { testTimeout: 60_000, hookTimeout: 60_000, fileParallelism: false },
});

import { describe, expect, it, vi } from 'vitest';
import { loadConfig } from '@argus/config';
import { FaceAnalyzer, providerUnavailableReason } from './index.ts';

describe('execution providers', () => {
  it('runs on cpu with one clear warning when cuda is asked for but not installed', async () => {
    // This machine has no CUDA libraries; on one that has them this test checks nothing new, so say so.
    const reason = providerUnavailableReason('cuda');
    expect(reason, 'this test expects a machine without onnxruntime CUDA binaries').not.toBeNull();
    const warn = vi.fn();
    const info = vi.fn();
    const config = loadConfig({ env: { ARGUS_INFERENCE__PROVIDERS: 'cuda,cpu' } });
    const analyzer = await FaceAnalyzer.create(config, { warn, info, debug: vi.fn() });
    try {
      expect(analyzer.provider).toBe('cpu');
      expect(warn).toHaveBeenCalledTimes(1);
      const message = String(warn.mock.calls[0]![1]);
      expect(message).toContain('"cuda" requested but unavailable');
      expect(message).toContain('libonnxruntime_providers_cuda.so is missing');
      expect(String(info.mock.calls.at(-1)![1])).toContain('cpu execution provider in use (requested: cuda, cpu)');
      // Still works.
      const faces = await analyzer.analyze({ data: new Uint8Array(64 * 64 * 3), width: 64, height: 64 });
      expect(faces).toEqual([]);
    } finally {
      await analyzer.dispose();
    }
  });

  it('fails with a clear message when a model file is missing', async () => {
    const config = loadConfig({ env: { ARGUS_MODELS_DIR: '/nonexistent/models' } });
    await expect(FaceAnalyzer.create(config)).rejects.toThrow(/fr_detect\.onnx is missing: run `npm run models`/);
  });
});

import { describe, expect, it } from 'vitest';
import { loadConfig } from '@argus/config';
import { decodeImage, FaceAnalyzer } from './index.ts';
import { readFixture } from './testing/fixtures.ts';

describe('MediaPipe detector behind the FaceDetector interface', () => {
  it('is selected by config and finds the close faces of a group photo offline', async () => {
    const analyzer = await FaceAnalyzer.create(loadConfig({ env: { ARGUS_DETECTION__MODEL: 'mediapipe-short', ARGUS_DETECTION__SCORE_THRESHOLD: '0.5' } }));
    try {
      expect(analyzer.detector.name).toBe('mediapipe-short');
      expect(analyzer.detector.provider).toBe('tfjs-wasm');
      const faces = await analyzer.analyze(await decodeImage(readFixture('groups/faces.jpg')), { embed: true });
      // Short range is weak on smaller faces; it must still find most of the six and never invent any.
      expect(faces.length).toBeGreaterThanOrEqual(4);
      expect(faces.length).toBeLessThanOrEqual(6);
      for (const f of faces) expect(f.embedding).toHaveLength(512);
      expect(await analyzer.analyze(await decodeImage(readFixture('groups/no_face_white.png')))).toEqual([]);
    } finally {
      await analyzer.dispose();
    }
  });
});

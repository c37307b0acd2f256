import type { Face } from '@argus/vision';
import { describe, expect, it } from 'vitest';
import { chooseEnrollFace, type QualityRules } from './enrollment.service.ts';

const rules: QualityRules = { goodFacePx: 80, goodBlur: 150, maxYaw: 0.6, minEnroll: 0.35 };

function face(width: number, quality: Partial<Face['quality']> = {}): Face {
  const q = { sizePx: width, blur: 300, yaw: 0, detectorScore: 0.99, ...quality };
  const score = Math.min(1, q.sizePx / rules.goodFacePx) * Math.min(1, q.blur / rules.goodBlur) * Math.max(0, 1 - q.yaw / rules.maxYaw) * q.detectorScore;
  return {
    box: { x: 0, y: 0, width, height: width * 1.2 },
    score: q.detectorScore,
    landmarks: [[0, 0], [0, 0], [0, 0], [0, 0], [0, 0]],
    aligned: { data: new Uint8Array(112 * 112 * 3), width: 112, height: 112 },
    quality: { ...q, score },
  };
}

describe('chooseEnrollFace', () => {
  it('rejects a photo without a face', () => {
    expect(chooseEnrollFace([], rules)).toMatchObject({ ok: false, code: 'NO_FACE' });
  });

  it('takes the only good face', () => {
    const only = face(120);
    expect(chooseEnrollFace([only], rules)).toEqual({ ok: true, face: only });
  });

  it('takes the largest face when every other is at most half its width', () => {
    const big = face(200);
    const result = chooseEnrollFace([face(60), big, face(100)], rules);
    expect(result).toEqual({ ok: true, face: big });
  });

  it('rejects several faces of similar size and says how many', () => {
    const result = chooseEnrollFace([face(100), face(90), face(30), face(95)], rules);
    expect(result).toMatchObject({ ok: false, code: 'SEVERAL_FACES' });
    expect(!result.ok && result.reason).toMatch(/^3 faces of similar size/);
  });

  it('names the weakest quality factor of a face below quality.min_enroll', () => {
    expect(chooseEnrollFace([face(20)], rules)).toMatchObject({ ok: false, code: 'FACE_TOO_SMALL' });
    expect(chooseEnrollFace([face(120, { blur: 20 })], rules)).toMatchObject({ ok: false, code: 'FACE_TOO_BLURRY' });
    expect(chooseEnrollFace([face(120, { yaw: 0.5 })], rules)).toMatchObject({ ok: false, code: 'FACE_TURNED_AWAY' });
    expect(chooseEnrollFace([face(120, { detectorScore: 0.3 })], rules)).toMatchObject({ ok: false, code: 'FACE_UNCLEAR' });
    const small = chooseEnrollFace([face(20)], rules);
    expect(!small.ok && small.reason).toContain('only 20 px wide');
    expect(!small.ok && small.reason).toContain('at least 0.35 needed');
  });
});

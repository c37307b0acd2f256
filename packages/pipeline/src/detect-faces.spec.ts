import { describe, expect, it } from 'vitest';
import { from, lastValueFrom, toArray } from 'rxjs';
import { detectFaces } from './detect-faces.ts';
import { box, fakeFace, frame } from './fake-ports.spec-support.ts';
import type { Frame } from './ports.ts';
import type { PipelineError } from './pipeline-error.ts';

describe('detectFaces', () => {
  it('pairs each frame with its faces and the time the analyzer took, in order', async () => {
    let clock = 0;
    const analyzer = {
      detect: async (f: Frame) => {
        clock += 7;
        return f.seq === 0 ? [] : [fakeFace(box(1, 2, 30))];
      },
    };
    const out = await lastValueFrom(from([frame('a', 0, 100), frame('a', 1, 200)]).pipe(detectFaces(analyzer, { now: () => clock }), toArray()));
    expect(out.map((r) => [r.frame.seq, r.faces.length, r.detectMs])).toEqual([
      [0, 0, 7],
      [1, 1, 7],
    ]);
  });

  it('skips a frame whose detection fails and reports a typed error', async () => {
    const errors: PipelineError[] = [];
    const analyzer = { detect: (f: Frame) => (f.seq === 1 ? Promise.reject(new Error('bad tensor')) : Promise.resolve([])) };
    const out = await lastValueFrom(
      from([0, 1, 2].map((seq) => frame('gate', seq, seq))).pipe(detectFaces(analyzer, { onError: (e) => errors.push(e) }), toArray()),
    );
    expect(out.map((r) => r.frame.seq)).toEqual([0, 2]);
    expect(errors.map((e) => [e.code, e.camera])).toEqual([['DETECT_FAILED', 'gate']]);
  });
});

import { describe, expect, it } from 'vitest';
import { TrackEvidence, validateThresholds, type DecisionThresholds, type IdentityDecision } from './identity-decision.ts';
import { FakeDirectory } from './fake-ports.spec-support.ts';
import type { GalleryMatch } from './ports.ts';
import { PipelineError } from './pipeline-error.ts';

const directory = new FakeDirectory({ alice: 'Alice', bob: 'Bob', carol: 'Carol' });
const m = (personId: string, score: number, faceId = `${personId}-f1`): GalleryMatch => ({ personId, score, faceId });

function decide(thresholds: DecisionThresholds, attempts: [number, GalleryMatch[]][]): IdentityDecision {
  const evidence = new TrackEvidence(validateThresholds(thresholds));
  let decision = evidence.decide(directory);
  for (const [weight, matches] of attempts) decision = evidence.add(weight, matches, directory);
  return decision;
}

const gap = { match: 0.5, unknown: 0.3, margin: 0.1 };
const noGap = { match: 0.42, unknown: 0.42, margin: 0.05 };

describe('TrackEvidence', () => {
  it('is pending before any attempt', () => {
    expect(decide(gap, [])).toEqual({ kind: 'pending' });
  });

  it('knows the best person at or above match with the margin over the runner-up', () => {
    expect(decide(gap, [[1, [m('alice', 0.6), m('bob', 0.45)]]])).toMatchObject({
      kind: 'known',
      personId: 'alice',
      personName: 'Alice',
      score: 0.6,
      faceId: 'alice-f1',
      runnerUp: { personId: 'bob', score: 0.45 },
      attempts: 1,
    });
    expect(decide(gap, [[0.3, [m('alice', 0.5), m('bob', 0.4)]]])).toMatchObject({ kind: 'known', personId: 'alice' }); // both at the boundary
  });

  it('stays undecided when the runner-up is within the margin', () => {
    expect(decide(gap, [[1, [m('alice', 0.6), m('bob', 0.55)]]])).toMatchObject({
      kind: 'undecided',
      best: { personId: 'alice', score: 0.6 },
      runnerUp: { personId: 'bob', score: 0.55 },
    });
  });

  it('stays undecided between unknown and match, and is unknown below unknown', () => {
    expect(decide(gap, [[1, [m('alice', 0.45)]]])).toMatchObject({ kind: 'undecided', best: { personId: 'alice' } });
    expect(decide(gap, [[1, [m('alice', 0.3)]]])).toMatchObject({ kind: 'undecided' });
    expect(decide(gap, [[1, [m('alice', 0.29)]]])).toMatchObject({ kind: 'unknown', best: { personId: 'alice', score: 0.29 } });
  });

  it('has no grey zone when match equals unknown: known at the threshold, unknown just below', () => {
    expect(decide(noGap, [[0.7, [m('alice', 0.42)]]])).toMatchObject({ kind: 'known', personId: 'alice' });
    expect(decide(noGap, [[0.7, [m('alice', 0.4199)]]])).toMatchObject({ kind: 'unknown' });
    // Only a failed margin leaves a track undecided.
    expect(decide(noGap, [[0.7, [m('alice', 0.5), m('bob', 0.47)]]])).toMatchObject({ kind: 'undecided' });
  });

  it('is unknown when the gallery has no candidate', () => {
    expect(decide(gap, [[1, []]])).toEqual({ kind: 'unknown', best: undefined, attempts: 1 });
  });

  it('weighs attempts by face weight: a big good face outvotes a small poor one', () => {
    const attempts: [number, GalleryMatch[]][] = [
      [0.1, [m('bob', 0.7)]],
      [0.9, [m('alice', 0.6)]],
    ];
    // E(alice) = 0.9 * 0.6 / 1.0 = 0.54, E(bob) = 0.1 * 0.7 / 1.0 = 0.07; unweighted bob would lead (0.35 vs 0.30).
    const decision = decide(gap, attempts);
    expect(decision).toMatchObject({ kind: 'known', personId: 'alice' });
    expect(decision.kind === 'known' && decision.score).toBeCloseTo(0.54);
  });

  it('counts a person missing from an attempt as 0, so one lucky frame cannot decide alone', () => {
    const decision = decide(gap, [
      [0.5, [m('alice', 0.7)]],
      [0.5, [m('carol', 0.2)]],
    ]);
    expect(decision).toMatchObject({ kind: 'undecided', best: { personId: 'alice', score: 0.35 } });
  });

  it('ignores persons the directory no longer knows and keeps the best enrolled face per person', () => {
    const decision = decide(gap, [
      [1, [m('mallory', 0.9), m('alice', 0.6, 'a1')]],
      [1, [m('alice', 0.7, 'a2'), m('mallory', 0.95)]],
    ]);
    expect(decision).toMatchObject({ kind: 'known', personId: 'alice', faceId: 'a2', runnerUp: undefined });
    expect(decision.kind === 'known' && decision.score).toBeCloseTo(0.65);
  });

  it('rejects thresholds that cannot work', () => {
    expect(() => validateThresholds({ match: 0.4, unknown: 0.5, margin: 0 })).toThrow(PipelineError);
    expect(() => validateThresholds({ match: 0.4, unknown: 0.5, margin: 0 })).toThrow(/unknown \(0.5\) must not exceed match \(0.4\)/);
    expect(() => validateThresholds({ match: 0.4, unknown: 0.3, margin: -0.1 })).toThrow(/margin/);
    expect(() => validateThresholds({ match: Number.NaN, unknown: 0.3, margin: 0 })).toThrow(/match/);
  });
});

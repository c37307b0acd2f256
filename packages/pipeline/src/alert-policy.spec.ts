import { describe, expect, it } from 'vitest';
import { TestScheduler } from 'rxjs/testing';
import { from, lastValueFrom, toArray } from 'rxjs';
import { alertPolicy, type AlertEvent } from './alert-policy.ts';
import type { IdentityEvent } from './decide-identity.ts';
import type { IdentityDecision } from './identity-decision.ts';
import type { TrackSnapshot } from './tracker.ts';
import { box, fakeFace } from './fake-ports.spec-support.ts';

const known = (personId: string, score = 0.7): IdentityDecision => ({
  kind: 'known',
  personId,
  personName: personId.toUpperCase(),
  score,
  faceId: `${personId}-face`,
  runnerUp: undefined,
  attempts: 1,
});
const undecided: IdentityDecision = { kind: 'undecided', best: { personId: 'alice', score: 0.45, faceId: 'f' }, runnerUp: undefined, attempts: 1 };

const decision = (camera: string, trackId: string, ts: number, d: IdentityDecision): IdentityEvent => ({
  type: 'decision',
  camera,
  trackId,
  ts,
  seq: ts,
  face: fakeFace(box(5, 6, 100), { tag: ts % 256 }),
  decision: d,
});

const closed = (camera: string, trackId: string, ts: number): IdentityEvent => {
  const track: TrackSnapshot = { id: trackId, camera, hits: 3, confirmed: true, startTs: 0, lastTs: ts, lastSeq: ts, box: box(0, 0, 10) };
  return { type: 'closed', track, decision: { kind: 'pending' }, best: undefined };
};

const run = (events: IdentityEvent[], cooldownMs = 10_000): Promise<AlertEvent[]> =>
  lastValueFrom(from(events).pipe(alertPolicy({ cooldownMs }), toArray()));
const summary = (alerts: AlertEvent[]) => alerts.map(({ alert }) => `${alert.camera}/${alert.trackId}/${alert.personId}@${alert.ts}`);

describe('alertPolicy', () => {
  it('alerts once per track and person, with the NewAlert fields and the deciding face', async () => {
    const alerts = await run([
      decision('lobby', 'lobby-1', 100, undecided),
      decision('lobby', 'lobby-1', 200, known('alice', 0.61)),
      decision('lobby', 'lobby-1', 300, known('alice', 0.66)),
      decision('lobby', 'lobby-1', 400, known('alice', 0.7)),
    ]);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.alert).toEqual({
      camera: 'lobby',
      personId: 'alice',
      personName: 'ALICE',
      score: 0.61,
      ts: 200,
      trackId: 'lobby-1',
      faceId: 'alice-face',
    });
    expect(alerts[0]?.crop).toMatchObject({ box: { x: 5, y: 6, width: 100, height: 100 }, seq: 200, ts: 200 });
    expect(alerts[0]?.crop.image.data[1]).toBe(200);
  });

  it('alerts again on the same track when it turns out to be another person', async () => {
    const alerts = await run([
      decision('lobby', 'lobby-1', 100, known('alice')),
      decision('lobby', 'lobby-1', 200, known('bob')),
      decision('lobby', 'lobby-1', 300, known('alice')),
    ]);
    expect(summary(alerts)).toEqual(['lobby/lobby-1/alice@100', 'lobby/lobby-1/bob@200']);
  });

  it('keeps a cooldown per camera and person: a new track of the same person inside it is silent', async () => {
    const alerts = await run([
      decision('lobby', 'lobby-1', 1_000, known('alice')),
      closed('lobby', 'lobby-1', 3_000),
      decision('lobby', 'lobby-2', 5_000, known('alice')), // 4 s later: cooldown
      decision('garage', 'garage-1', 5_000, known('alice')), // other camera: own cooldown
      decision('lobby', 'lobby-3', 6_000, known('bob')), // other person
      decision('lobby', 'lobby-4', 10_999, known('alice')), // 9.999 s: still inside
      decision('lobby', 'lobby-5', 11_000, known('alice')), // 10 s: over
      decision('lobby', 'lobby-2', 12_000, known('alice')), // lobby-2 was silenced for alice for good
    ]);
    expect(summary(alerts)).toEqual([
      'lobby/lobby-1/alice@1000',
      'garage/garage-1/alice@5000',
      'lobby/lobby-3/bob@6000',
      'lobby/lobby-5/alice@11000',
    ]);
  });

  it('ignores frames, closes and decisions that are not known (marbles)', () => {
    new TestScheduler((a, b) => expect(a).toEqual(b)).run(({ cold, expectObservable }) => {
      const events = cold('abcd|', {
        a: { type: 'frame', camera: 'lobby', ts: 0, seq: 0, faces: [] },
        b: decision('lobby', 'lobby-1', 10, undecided),
        c: decision('lobby', 'lobby-1', 20, { kind: 'unknown', best: undefined, attempts: 2 }),
        d: closed('lobby', 'lobby-1', 30),
      } satisfies Record<string, IdentityEvent>);
      expectObservable(events.pipe(alertPolicy({ cooldownMs: 1000 }))).toBe('----|');
    });
  });

  it('starts with fresh state for every subscription', async () => {
    const events = [decision('lobby', 'lobby-1', 100, known('alice'))];
    expect(await run(events)).toHaveLength(1);
    expect(await run(events)).toHaveLength(1);
  });

  it('rejects a negative cooldown', () => {
    expect(() => alertPolicy({ cooldownMs: -1 })).toThrow(/cooldownMs/);
  });
});

import { describe, expect, it } from 'vitest';
import type { Alert, WsServerMessage } from '@argus/protocol';
import { alertsKey, facesKey, latestStatus, LiveStore, statusKey } from './live-store.ts';

const alert = (id: string): Alert => ({ id, camera: 'lobby', personId: 'p1', personName: 'Penny', score: 0.4, ts: 1, trackId: 't' });
const alertMessage = (id: string): WsServerMessage => ({ type: 'alert', alert: alert(id) });

function storeWithManualFrames() {
  const frames: (() => void)[] = [];
  const store = new LiveStore((flush) => frames.push(flush));
  const runFrame = (): void => {
    const pending = frames.splice(0);
    for (const f of pending) f();
  };
  return { store, frames, runFrame };
}

describe('LiveStore', () => {
  it('applies a burst of alerts in one batch per frame and notifies once', () => {
    const { store, frames, runFrame } = storeWithManualFrames();
    let notified = 0;
    const added: string[][] = [];
    store.subscribe(alertsKey, () => notified++);
    store.onNewAlerts((a) => added.push(a.map((x) => x.id)));
    for (let i = 1; i <= 10; i++) store.receive(alertMessage(`${i}-0`));
    store.receive(alertMessage('5-0')); // a replay of one already in the batch
    expect(frames).toHaveLength(1);
    expect(notified).toBe(0);
    runFrame();
    expect(notified).toBe(1);
    expect(store.getFeed().alerts).toHaveLength(10);
    expect(added).toEqual([['10-0', '9-0', '8-0', '7-0', '6-0', '5-0', '4-0', '3-0', '2-0', '1-0'].reverse()]);
  });

  it('seeded alerts are not "new", and later replays of them are ignored', () => {
    const { store, runFrame } = storeWithManualFrames();
    const added: string[] = [];
    store.onNewAlerts((a) => added.push(...a.map((x) => x.id)));
    store.seedAlerts([alert('2-0'), alert('1-0')]);
    store.receive(alertMessage('2-0'));
    store.receive(alertMessage('3-0'));
    runFrame();
    expect(added).toEqual(['3-0']);
    expect(store.getFeed().alerts.map((a) => a.id)).toEqual(['3-0', '2-0', '1-0']);
  });

  it('notifies only the camera a faces or status message is about', () => {
    const { store, runFrame } = storeWithManualFrames();
    const calls: string[] = [];
    store.subscribe(facesKey('lobby'), () => calls.push('faces:lobby'));
    store.subscribe(facesKey('gate'), () => calls.push('faces:gate'));
    store.subscribe(statusKey('gate'), () => calls.push('status:gate'));
    store.receive({ type: 'faces', camera: 'lobby', ts: 1, faces: [] });
    store.receive({ type: 'faces', camera: 'lobby', ts: 2, faces: [{ box: [0, 0, 1, 1] }] });
    store.receive({ type: 'camera', camera: 'gate', status: null });
    runFrame();
    expect(calls).toEqual(['faces:lobby', 'status:gate']);
    expect(store.getFaces('lobby')?.ts).toBe(2);
    expect(store.getStatus('gate')).toBeNull();
    expect(store.getStatus('lobby')).toBeUndefined();
  });
});

describe('latestStatus', () => {
  const status = (updatedAt: number, state: 'live' | 'reconnecting') => ({ camera: 'gate', state, fps: 5, framesIn: 1, framesDropped: 0, updatedAt });

  it('uses the socket when it said something, unless the polled status is newer', () => {
    expect(latestStatus(status(100, 'live'), undefined)?.state).toBe('live');
    expect(latestStatus(status(100, 'live'), status(200, 'reconnecting'))?.state).toBe('reconnecting');
    expect(latestStatus(status(300, 'live'), status(200, 'reconnecting'))?.state).toBe('live');
    expect(latestStatus(status(300, 'live'), null)).toBeNull();
    expect(latestStatus(null, status(200, 'reconnecting'))?.state).toBe('reconnecting');
  });
});

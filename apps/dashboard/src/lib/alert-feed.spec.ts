import { describe, expect, it } from 'vitest';
import type { Alert } from '@argus/protocol';
import { emptyFeed, mergeAlerts } from './alert-feed.ts';

const alert = (id: string): Alert => ({ id, camera: 'lobby', personId: 'p1', personName: 'Penny', score: 0.4, ts: Number(id.split('-')[0]), trackId: 't' });

describe('mergeAlerts', () => {
  it('keeps newest first and each alert once, however often it arrives', () => {
    let state = emptyFeed();
    state = mergeAlerts(state, [alert('100-0'), alert('300-0')], 10).state;
    const second = mergeAlerts(state, [alert('200-0'), alert('300-0'), alert('100-0'), alert('200-0')], 10);
    expect(second.added.map((a) => a.id)).toEqual(['200-0']);
    expect(second.state.alerts.map((a) => a.id)).toEqual(['300-0', '200-0', '100-0']);
  });

  it('orders by stream id numerically, sequence included', () => {
    const { state } = mergeAlerts(emptyFeed(), [alert('99-0'), alert('100-2'), alert('100-10'), alert('1000-0')], 10);
    expect(state.alerts.map((a) => a.id)).toEqual(['1000-0', '100-10', '100-2', '99-0']);
  });

  it('returns the same state when nothing is new (no re-render)', () => {
    const first = mergeAlerts(emptyFeed(), [alert('1-0')], 10).state;
    const again = mergeAlerts(first, [alert('1-0')], 10);
    expect(again.state).toBe(first);
    expect(again.added).toEqual([]);
  });

  it('caps the feed and ignores alerts older than a full feed', () => {
    let state = emptyFeed();
    for (let i = 1; i <= 5; i++) state = mergeAlerts(state, [alert(`${i}-0`)], 3).state;
    expect(state.alerts.map((a) => a.id)).toEqual(['5-0', '4-0', '3-0']);
    expect([...state.ids].sort()).toEqual(['3-0', '4-0', '5-0']);
    const old = mergeAlerts(state, [alert('2-0')], 3);
    expect(old.state).toBe(state);
    const burst = mergeAlerts(state, [alert('6-0'), alert('7-0'), alert('8-0'), alert('9-0')], 3);
    expect(burst.state.alerts.map((a) => a.id)).toEqual(['9-0', '8-0', '7-0']);
    expect(burst.added.map((a) => a.id)).toEqual(['7-0', '8-0', '9-0']);
  });
});

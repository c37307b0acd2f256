// The live alert list: newest first, every alert exactly once however often the socket replays it, bounded in size.
import type { Alert } from '@argus/protocol';
import { compareStreamIds } from './stream-id.ts';

export interface AlertFeedState {
  /** Newest first, at most `capacity`. */
  readonly alerts: readonly Alert[];
  /** Ids currently held (kept in step with `alerts`). */
  readonly ids: ReadonlySet<string>;
}

export const emptyFeed = (): AlertFeedState => ({ alerts: [], ids: new Set() });

/**
 * Merges incoming alerts into the feed. An id already held is ignored; when the feed is full, an alert
 * older than everything held is ignored too (it would fall off the end at once). Returns the same state
 * object when nothing changed, so React can skip a render, plus the alerts that were really new.
 */
export function mergeAlerts(state: AlertFeedState, incoming: readonly Alert[], capacity: number): { state: AlertFeedState; added: Alert[] } {
  if (incoming.length === 0) return { state, added: [] };
  const ids = new Set(state.ids);
  const oldest = state.alerts.length >= capacity ? state.alerts[state.alerts.length - 1] : undefined;
  const added: Alert[] = [];
  for (const alert of incoming) {
    if (ids.has(alert.id)) continue;
    if (oldest !== undefined && compareStreamIds(alert.id, oldest.id) < 0) continue;
    ids.add(alert.id);
    added.push(alert);
  }
  if (added.length === 0) return { state, added };
  const merged = [...added, ...state.alerts].sort((a, b) => compareStreamIds(b.id, a.id));
  const kept = merged.slice(0, capacity);
  for (const dropped of merged.slice(capacity)) ids.delete(dropped.id);
  const keptAdded = added.filter((a) => ids.has(a.id));
  return { state: { alerts: kept, ids }, added: keptAdded };
}

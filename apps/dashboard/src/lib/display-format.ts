// How numbers and times read on screen (operators glance at them from a distance: short and unambiguous).

export const formatScore = (score: number): string => score.toFixed(2);

export function formatTime(ms: number, now: number = Date.now()): string {
  const d = new Date(ms);
  const sameDay = new Date(now).toDateString() === d.toDateString();
  const time = d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
  if (sameDay) return time;
  return `${d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' })} ${time}`;
}

export const formatFps = (fps: number): string => `${fps.toFixed(1)} fps`;

/** A datetime-local input's value ("2026-11-25T10:05") as ms since epoch in the browser's zone, or undefined. */
export function parseLocalDateTime(value: string): number | undefined {
  if (value.trim() === '') return undefined;
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? undefined : ms;
}

// Alert ids are Redis stream ids ("<ms>-<seq>"): ordered by time, then sequence. Compared numerically, never as text.

/** Negative when a is older than b, 0 when equal, positive when newer. Malformed ids sort oldest. */
export function compareStreamIds(a: string, b: string): number {
  const [aMs, aSeq] = splitId(a);
  const [bMs, bSeq] = splitId(b);
  if (aMs !== bMs) return aMs < bMs ? -1 : 1;
  if (aSeq !== bSeq) return aSeq < bSeq ? -1 : 1;
  return 0;
}

function splitId(id: string): [bigint, bigint] {
  const match = /^(\d{1,20})(?:-(\d{1,20}))?$/.exec(id);
  if (!match) return [-1n, -1n];
  return [BigInt(match[1]!), BigInt(match[2] ?? '0')];
}

/** The newer of two ids (either may be undefined). */
export function newestId(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return compareStreamIds(a, b) >= 0 ? a : b;
}

/** A stream id that sorts just after every entry written at or before `ms` (for an exclusive `before` bound). */
export const streamIdAfterMs = (ms: number): string => `${Math.max(0, Math.floor(ms)) + 1}-0`;

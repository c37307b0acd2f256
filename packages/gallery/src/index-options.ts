// Option checks shared by the gallery and the sightings index: both are hnswlib indexes tuned by whole numbers,
// and both word a bad one the same way.

/** One problem line for each option named in `minimums` that is not an integer of at least its minimum, in key order. */
export function integerOptionProblems<T extends object>(resolved: T, minimums: { [K in keyof T]?: number }): string[] {
  const problems: string[] = [];
  for (const [key, min] of Object.entries(minimums) as [string, number][]) {
    const v = (resolved as Record<string, unknown>)[key];
    if (!Number.isInteger(v) || (v as number) < min) problems.push(`${key} must be an integer >= ${min}, got ${String(v)}`);
  }
  return problems;
}

// Per-photo feedback of an enrolment: the api names only the rejected files, so the rest were accepted.

export interface PhotoOutcome {
  file: string;
  outcome: 'accepted' | 'rejected';
  reason?: string | undefined;
}

/** Pairs each uploaded file with its rejection (by name, in order, so two files of one name are told apart). */
export function photoOutcomes(files: readonly { name: string }[], rejected: readonly { file: string; reason: string }[]): PhotoOutcome[] {
  const reasons = new Map<string, string[]>();
  for (const r of rejected) reasons.set(r.file, [...(reasons.get(r.file) ?? []), r.reason]);
  return files.map((f) => {
    const reason = reasons.get(f.name)?.shift();
    return reason === undefined ? { file: f.name, outcome: 'accepted' } : { file: f.name, outcome: 'rejected', reason };
  });
}

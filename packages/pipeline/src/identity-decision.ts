// The identity rule for one track: evidence from every embedding attempt of the track, weighed by
// face size and quality, against two thresholds and a margin.
import type { GalleryMatch, PersonDirectory } from './ports.ts';
import { PipelineError, requireNumber } from './pipeline-error.ts';

export interface DecisionThresholds {
  /** Evidence at or above which the best person is the track's identity (given the margin). */
  match: number;
  /** Evidence below which the track is unknown. unknown <= match; equal means no grey zone. */
  unknown: number;
  /** How much the best person's evidence must exceed the runner-up's. */
  margin: number;
}

/** A person's weighted evidence over a track's attempts. */
export interface PersonEvidence {
  personId: string;
  score: number;
  /** The enrolled face most similar to any attempt of the track. */
  faceId: string;
}

export type IdentityDecision =
  | { kind: 'pending' }
  | { kind: 'known'; personId: string; personName: string; score: number; faceId: string; runnerUp: PersonEvidence | undefined; attempts: number }
  | { kind: 'undecided'; best: PersonEvidence; runnerUp: PersonEvidence | undefined; attempts: number }
  | { kind: 'unknown'; best: PersonEvidence | undefined; attempts: number };

export const PENDING: IdentityDecision = Object.freeze({ kind: 'pending' });

export function validateThresholds(thresholds: DecisionThresholds): DecisionThresholds {
  const match = requireNumber('decideIdentity', 'match', thresholds.match, -1, 1);
  const unknown = requireNumber('decideIdentity', 'unknown', thresholds.unknown, -1, 1);
  const margin = requireNumber('decideIdentity', 'margin', thresholds.margin, 0, 2);
  if (unknown > match) {
    throw new PipelineError('INVALID_CONFIG', `decideIdentity: unknown (${unknown}) must not exceed match (${match}); set them equal for no grey zone`);
  }
  return { match, unknown, margin };
}

/** Comparisons allow this much rounding: a single attempt's w*s/w must still equal s at the threshold. */
const TOLERANCE = 1e-9;

interface PersonSums {
  weightedScore: number;
  bestScore: number;
  bestFaceId: string;
}

/**
 * The rule, for a track with attempts i = 1..n (one embedding each):
 *   w_i    = faceWeight of the attempt's face: quality.score x min(1, sizePx / fullWeightFacePx), at least 0.01;
 *   s_i(p) = similarity of person p's best enrolled face to attempt i, for the persons in the attempt's
 *            top-k gallery result (grouped by person) that the PersonDirectory still knows;
 *   E(p)   = sum over attempts where p is in the result of w_i * s_i(p), divided by sum over ALL attempts of w_i
 *            (an attempt that did not return p counts as similarity 0 for p, so one lucky frame cannot win alone).
 * Let b be the person with the highest E (ties: smaller personId) and r the runner-up.
 *   known(b, E(b))  when E(b) >= match and (there is no r, or E(b) - E(r) >= margin);
 *   unknown         when there is no candidate at all, or E(b) < unknown;
 *   undecided       otherwise: E(b) between unknown and match, or above match but within margin of r.
 * Comparisons allow 1e-9 for rounding. With unknown === match there is no grey zone: only a failed margin leaves a track undecided.
 * The decision is re-evaluated after every attempt, so it may change while the track lives.
 */
export class TrackEvidence {
  private totalWeight = 0;
  private attempts = 0;
  private readonly persons = new Map<string, PersonSums>();

  constructor(private readonly thresholds: DecisionThresholds) {}

  /** Adds one attempt's gallery result and returns the decision over all attempts so far. */
  add(weight: number, matches: readonly GalleryMatch[], directory: PersonDirectory): IdentityDecision {
    this.attempts += 1;
    this.totalWeight += weight;
    const seen = new Set<string>();
    for (const match of matches) {
      // The gallery groups by person; keep only the first entry should it not.
      if (seen.has(match.personId) || directory.nameOf(match.personId) === undefined) continue;
      seen.add(match.personId);
      const sums = this.persons.get(match.personId) ?? { weightedScore: 0, bestScore: -Infinity, bestFaceId: match.faceId };
      sums.weightedScore += weight * match.score;
      if (match.score > sums.bestScore) {
        sums.bestScore = match.score;
        sums.bestFaceId = match.faceId;
      }
      this.persons.set(match.personId, sums);
    }
    return this.decide(directory);
  }

  decide(directory: PersonDirectory): IdentityDecision {
    if (this.attempts === 0) return PENDING;
    const ranked: PersonEvidence[] = [...this.persons.entries()]
      .map(([personId, sums]) => ({ personId, score: sums.weightedScore / this.totalWeight, faceId: sums.bestFaceId }))
      .sort((a, b) => b.score - a.score || (a.personId < b.personId ? -1 : a.personId > b.personId ? 1 : 0));
    const best = ranked[0];
    const runnerUp = ranked[1];
    const attempts = this.attempts;
    if (best === undefined || best.score < this.thresholds.unknown - TOLERANCE) return { kind: 'unknown', best, attempts };
    const marginOk = runnerUp === undefined || best.score - runnerUp.score >= this.thresholds.margin - TOLERANCE;
    const personName = directory.nameOf(best.personId);
    if (best.score >= this.thresholds.match - TOLERANCE && marginOk && personName !== undefined) {
      return { kind: 'known', personId: best.personId, personName, score: best.score, faceId: best.faceId, runnerUp, attempts };
    }
    return { kind: 'undecided', best, runnerUp, attempts };
  }
}

// Watchlist enrolment: each photo must show exactly one usable face (the largest, when every other face is
// much smaller); anything else is rejected with a reason the user can act on. Photos are judged first and
// nothing is written until at least one is usable; a failure while writing undoes what this request wrote.
import type { LoadedConfig } from '@argus/config';
import type { EnrollRejectionCode, EnrolledFaceView, RejectedPhoto } from '@argus/protocol';
import { newId, type ImageStore, type WatchlistRepository } from '@argus/store';
import { encodeJpeg, VisionError, type Face, type FaceAnalyzer } from '@argus/vision';
import type { Logger } from 'pino';
import { ApiError } from '../api-error.ts';

/** A second face counts as "much smaller" when its box is at most this fraction of the largest's width. */
export const DOMINANT_FACE_RATIO = 0.5;

export type QualityRules = LoadedConfig['quality'];

export type FaceChoice = { ok: true; face: Face } | { ok: false; code: EnrollRejectionCode; reason: string };

/** The face to enrol from one photo's faces, or why there is none. Pure: unit-tested on synthetic faces. */
export function chooseEnrollFace(faces: readonly Face[], rules: QualityRules): FaceChoice {
  if (faces.length === 0) {
    return { ok: false, code: 'NO_FACE', reason: 'no face found: use a photo in which the face is clearly visible, frontal and well lit' };
  }
  const sorted = [...faces].sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height);
  const face = sorted[0]!;
  const rivals = sorted.slice(1).filter((f) => f.box.width > DOMINANT_FACE_RATIO * face.box.width);
  if (rivals.length > 0) {
    return {
      ok: false,
      code: 'SEVERAL_FACES',
      reason: `${rivals.length + 1} faces of similar size found: use a photo of this person alone, or crop it to their face`,
    };
  }
  const q = face.quality;
  if (q.score >= rules.minEnroll) return { ok: true, face };
  // Name the weakest of the four quality factors (see packages/vision/src/quality.ts).
  const factors: Array<{ code: EnrollRejectionCode; value: number; reason: string }> = [
    {
      code: 'FACE_TOO_SMALL',
      value: Math.min(1, q.sizePx / rules.goodFacePx),
      reason: `the face is only ${Math.round(q.sizePx)} px wide: use a photo in which it is at least ${rules.goodFacePx} px wide`,
    },
    {
      code: 'FACE_TOO_BLURRY',
      value: Math.min(1, q.blur / rules.goodBlur),
      reason: 'the face is too blurry (out of focus, moving or heavily compressed): use a sharper photo',
    },
    {
      code: 'FACE_TURNED_AWAY',
      value: Math.max(0, 1 - q.yaw / rules.maxYaw),
      reason: 'the face is turned away from the camera: use a photo looking towards it',
    },
    {
      code: 'FACE_UNCLEAR',
      value: Math.min(1, Math.max(0, q.detectorScore)),
      reason: 'the face is hard to make out (covered, dark or at an odd angle): use a clearer photo',
    },
  ];
  const weakest = factors.reduce((a, b) => (b.value < a.value ? b : a));
  return { ok: false, code: weakest.code, reason: `${weakest.reason} (quality ${q.score.toFixed(2)}, at least ${rules.minEnroll} needed)` };
}

/** The face to search with: the largest face of good quality (others may be in the photo), or why there is none. */
export function chooseSearchFace(faces: readonly Face[], rules: QualityRules): FaceChoice {
  const byArea = [...faces].sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height);
  const good = byArea.find((f) => f.quality.score >= rules.minEnroll);
  if (good) return { ok: true, face: good };
  return chooseEnrollFace(byArea.slice(0, 1), rules);
}

export interface Photo {
  /** The client's file name: shown back in feedback, never used on disk. */
  file: string;
  bytes: Buffer;
}

export type PhotoVerdict = { file: string; ok: true; face: Face & { embedding: Float32Array } } | ({ file: string; ok: false } & Omit<RejectedPhoto, 'file'>);

const VISION_REJECTIONS: Partial<Record<string, { code: EnrollRejectionCode; reason: (message: string) => string }>> = {
  IMAGE_UNREADABLE: { code: 'NOT_AN_IMAGE', reason: (m) => `not a readable image (${m})` },
  IMAGE_TOO_LARGE: { code: 'IMAGE_TOO_LARGE', reason: (m) => m },
  IMAGE_TOO_SMALL: { code: 'IMAGE_TOO_SMALL', reason: (m) => m },
};

export interface EnrollmentDeps {
  analyzer: FaceAnalyzer;
  watchlist: WatchlistRepository;
  images: ImageStore;
  quality: QualityRules;
  log: Logger;
  /** Called once per judged photo (metrics). */
  onVerdict?: (verdict: PhotoVerdict) => void;
}

export const faceImageUrl = (imagePath: string): string | undefined => (imagePath ? `/api/images/${imagePath}` : undefined);

export class EnrollmentService {
  constructor(private readonly deps: EnrollmentDeps) {}

  /** Decodes and analyses one photo; only the chosen face is embedded. */
  async judge(photo: Photo): Promise<PhotoVerdict> {
    const verdict = await this.judgeWith(photo, chooseEnrollFace);
    this.deps.onVerdict?.(verdict);
    return verdict;
  }

  /** Decodes and analyses one photo, choosing its face with `choose` (chooseSearchFace for a search photo). */
  async judgeWith(photo: Photo, choose: (faces: readonly Face[], rules: QualityRules) => FaceChoice): Promise<PhotoVerdict> {
    let faces: Face[];
    try {
      faces = (await this.deps.analyzer.analyzeEncoded(photo.bytes)).faces;
    } catch (err) {
      const known = err instanceof VisionError ? VISION_REJECTIONS[err.code] : undefined;
      if (!known) throw err;
      return { file: photo.file, ok: false, code: known.code, reason: known.reason((err as Error).message) };
    }
    const choice = choose(faces, this.deps.quality);
    if (!choice.ok) return { file: photo.file, ok: false, code: choice.code, reason: choice.reason };
    const [embedding] = await this.deps.analyzer.embed([choice.face]);
    if (!embedding) throw new Error('the embedder returned no vector for one face');
    return { file: photo.file, ok: true, face: { ...choice.face, embedding } };
  }

  /** Creates the person with every usable photo; 422 (and no person) when none is usable. */
  async enroll(person: { name: string; notes?: string }, verdicts: readonly PhotoVerdict[]): Promise<{ id: string; name: string; faces: EnrolledFaceView[]; rejected: RejectedPhoto[] }> {
    const rejected = rejections(verdicts);
    const accepted = usable(verdicts, rejected);
    const created = await this.deps.watchlist.createPerson(person);
    try {
      const faces = await this.store(created.id, accepted);
      return { id: created.id, name: created.name, faces, rejected };
    } catch (err) {
      // Leave no person without faces (or with half of them) behind.
      await this.deps.watchlist.removePerson(created.id, { images: this.deps.images }).catch((undoErr: Error) => {
        this.deps.log.error({ person: created.id, err: undoErr.message }, `enrolment of ${created.id} failed and could not be undone: remove the person (DELETE /api/watchlist/${created.id})`);
      });
      throw err;
    }
  }

  /** Adds every usable photo to an existing person; 404 when there is no such person, 422 when none is usable. */
  async addFaces(personId: string, verdicts: readonly PhotoVerdict[]): Promise<{ id: string; name: string; faces: EnrolledFaceView[]; rejected: RejectedPhoto[] }> {
    const person = await this.requirePerson(personId);
    const rejected = rejections(verdicts);
    const accepted = usable(verdicts, rejected);
    const faces = await this.store(person.id, accepted);
    return { id: person.id, name: person.name, faces, rejected };
  }

  async requirePerson(personId: string): Promise<{ id: string; name: string }> {
    const person = await this.deps.watchlist.getPerson(personId);
    if (!person) throw new ApiError(404, 'NOT_FOUND', `person ${personId} does not exist: list them with GET /api/watchlist`);
    return person;
  }

  /** Image first, then the face record (one MULTI with its gallery event); on failure, undoes this call's faces. */
  private async store(personId: string, accepted: ReadonlyArray<Extract<PhotoVerdict, { ok: true }>>): Promise<EnrolledFaceView[]> {
    const done: EnrolledFaceView[] = [];
    const { images, watchlist } = this.deps;
    try {
      for (const verdict of accepted) {
        const faceId = newId();
        const imagePath = await images.save('faces', faceId, await encodeJpeg(verdict.face.aligned, 90));
        try {
          await watchlist.addFace({ personId, faceId, embedding: verdict.face.embedding, quality: verdict.face.quality.score, imagePath });
        } catch (err) {
          await images.remove('faces', faceId).catch(() => undefined);
          throw err;
        }
        done.push({ id: faceId, personId, quality: verdict.face.quality.score, imageUrl: faceImageUrl(imagePath) });
      }
      return done;
    } catch (err) {
      for (const face of done) {
        await watchlist.removeFace(face.id, { images }).catch((undoErr: Error) => {
          this.deps.log.error({ face: face.id, err: undoErr.message }, `could not undo face ${face.id} of person ${personId}`);
        });
      }
      throw err;
    }
  }
}

function rejections(verdicts: readonly PhotoVerdict[]): RejectedPhoto[] {
  return verdicts.flatMap((v) => (v.ok ? [] : [{ file: v.file, code: v.code, reason: v.reason }]));
}

function usable(verdicts: readonly PhotoVerdict[], rejected: RejectedPhoto[]): Array<Extract<PhotoVerdict, { ok: true }>> {
  if (verdicts.length === 0) throw new ApiError(400, 'INVALID_REQUEST', 'no photo received: send one or more photos as `image` parts of a multipart/form-data body');
  const accepted = verdicts.filter((v): v is Extract<PhotoVerdict, { ok: true }> => v.ok);
  if (accepted.length === 0) {
    const list = rejected.map((r) => `${r.file}: ${r.reason}`).join('; ');
    throw new ApiError(422, 'NO_USABLE_PHOTO', `none of the ${rejected.length} photo(s) can be enrolled: ${list}`, { rejected });
  }
  return accepted;
}

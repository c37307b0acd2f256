// Fakes of the pipeline's ports for unit tests: faces carry an identity code in their aligned crop,
// the fake embedder turns that code into a vector, and the fake gallery searches by inner product.
import type { Box, Face, RgbImage } from '@argus/vision';
import type { EmbedderPort, FaceAnalyzerPort, Frame, GalleryMatch, GalleryPort, PersonDirectory } from './ports.ts';

export const DIM = 4;

export function unit(values: number[]): Float32Array {
  const norm = Math.hypot(...values);
  return Float32Array.from(values, (v) => v / norm);
}

/** The identity vectors a fake face can carry, by code. */
export const IDENTITIES: Record<string, Float32Array> = {
  alice: unit([1, 0, 0, 0]),
  bob: unit([0, 1, 0, 0]),
  carol: unit([0, 0, 1, 0]),
  // Between alice and bob: an ambiguous face.
  alibob: unit([1, 1, 0, 0]),
  stranger: unit([0, 0, 0, 1]),
};

const codes = Object.keys(IDENTITIES);

/** A 112x112 crop whose first byte names the identity (fake embedder) and second byte tags it (tests). */
export function alignedFor(identity: string, tag = 0): RgbImage {
  const code = codes.indexOf(identity);
  if (code < 0) throw new Error(`unknown fake identity ${identity}`);
  const data = new Uint8Array(112 * 112 * 3);
  data[0] = code;
  data[1] = tag;
  return { data, width: 112, height: 112 };
}

export function identityOf(image: RgbImage): string {
  return codes[image.data[0] ?? -1] ?? 'none';
}

export interface FakeFaceOptions {
  identity?: string;
  quality?: number;
  tag?: number;
}

export function fakeFace(box: Box, options: FakeFaceOptions = {}): Face {
  const quality = options.quality ?? 0.8;
  return {
    box,
    score: 0.99,
    landmarks: [
      [box.x + box.width * 0.3, box.y + box.height * 0.4],
      [box.x + box.width * 0.7, box.y + box.height * 0.4],
      [box.x + box.width * 0.5, box.y + box.height * 0.6],
      [box.x + box.width * 0.35, box.y + box.height * 0.8],
      [box.x + box.width * 0.65, box.y + box.height * 0.8],
    ],
    aligned: alignedFor(options.identity ?? 'alice', options.tag ?? 0),
    quality: { score: quality, sizePx: box.width, blur: 200, yaw: 0, detectorScore: 0.99 },
  };
}

export function box(x: number, y: number, width = 120, height = width): Box {
  return { x, y, width, height };
}

export function frame(camera: string, seq: number, ts: number): Frame {
  return { camera, seq, ts, width: 640, height: 360, data: new Uint8Array(0) };
}

/** Embeds each aligned crop as its identity's vector, after `delayMs` (setTimeout: fake timers drive it). */
export class FakeEmbedder implements EmbedderPort {
  readonly calls: RgbImage[][] = [];

  constructor(private readonly delayMs = 0) {}

  embed(faces: RgbImage[]): Promise<Float32Array[]> {
    this.calls.push(faces);
    const vectors = faces.map((face) => Float32Array.from(IDENTITIES[identityOf(face)] ?? new Float32Array(DIM)));
    return new Promise((resolve) => setTimeout(() => resolve(vectors), this.delayMs));
  }
}

/** Inner-product search over enrolled vectors, top k faces grouped by person, best first. */
export class FakeGallery implements GalleryPort {
  readonly entries: { faceId: string; personId: string; vector: Float32Array }[] = [];
  searches = 0;

  enroll(personId: string, faceId: string, vector: Float32Array): this {
    this.entries.push({ faceId, personId, vector });
    return this;
  }

  search(embedding: Float32Array, k = 10): GalleryMatch[] {
    this.searches += 1;
    const scored = this.entries
      .map(({ faceId, personId, vector }) => ({ faceId, personId, score: vector.reduce((sum, v, i) => sum + v * (embedding[i] ?? 0), 0) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, k);
    const byPerson = new Map<string, GalleryMatch>();
    for (const match of scored) if (!byPerson.has(match.personId)) byPerson.set(match.personId, match);
    return [...byPerson.values()];
  }
}

export class FakeDirectory implements PersonDirectory {
  constructor(private readonly names: Record<string, string>) {}

  nameOf(personId: string): string | undefined {
    return this.names[personId];
  }
}

/** A scripted scene: which faces each frame holds, detected after `delayMs`. Counts concurrent calls. */
export class ScriptedAnalyzer implements FaceAnalyzerPort {
  inFlight = 0;
  maxInFlight = 0;
  readonly analyzed: number[] = [];

  constructor(
    private readonly scene: (frame: Frame) => Face[],
    private readonly delayMs = 0,
  ) {}

  detect(frame: Frame): Promise<Face[]> {
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    this.analyzed.push(frame.seq);
    return new Promise((resolve) =>
      setTimeout(() => {
        this.inFlight -= 1;
        resolve(this.scene(frame));
      }, this.delayMs),
    );
  }
}

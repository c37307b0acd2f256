// How the pipeline talks to the outside: a frame in, and four small ports for vision, embedding, the
// gallery and person names. Real implementations live in @argus/vision, @argus/gallery and ingest.
import type { Frame } from '@argus/protocol';
import type { Face, RgbImage } from '@argus/vision';

export type { Frame };

/** Detection + landmarks + alignment + quality, without the embedding (that is batched across cameras). */
export interface FaceAnalyzerPort {
  detect(frame: Frame): Promise<Face[]>;
}

/** Batched embedder: one L2-normalised vector per aligned 112x112 face, in input order. */
export interface EmbedderPort {
  embed(faces: RgbImage[]): Promise<Float32Array[]>;
}

export interface GalleryMatch {
  personId: string;
  /** Similarity of the person's best enrolled face (inner product of L2-normalised vectors). */
  score: number;
  /** That best enrolled face. */
  faceId: string;
}

/** The watchlist index. Results are grouped by person (one entry each) and sorted by score, best first. */
export interface GalleryPort {
  search(embedding: Float32Array, k?: number): GalleryMatch[];
}

export interface PersonDirectory {
  /** undefined: the person is not (or no longer) on the watchlist. */
  nameOf(personId: string): string | undefined;
}

/** What embedTracks needs from the shared MicroBatcher: one face in, its embedding out. */
export interface FaceEmbeddingQueue {
  submit(face: RgbImage): Promise<Float32Array>;
}

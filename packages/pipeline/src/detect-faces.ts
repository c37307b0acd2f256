// Detection step: one frame in, the faces found in it out (with landmarks, aligned crop and quality).
import { EMPTY, catchError, concatMap, defer, map, type OperatorFunction } from 'rxjs';
import type { Face } from '@argus/vision';
import type { FaceAnalyzerPort, Frame } from './ports.ts';
import { PipelineError, describeError } from './pipeline-error.ts';

export interface FrameFaces {
  frame: Frame;
  faces: Face[];
  /** Wall-clock time the analyzer took. */
  detectMs: number;
}

export interface DetectFacesOptions {
  /** A failed frame is skipped and reported here; the stream goes on. */
  onError?: (error: PipelineError, frame: Frame) => void;
  /** Clock for detectMs; default performance.now. */
  now?: () => number;
}

export function detectFaces(analyzer: FaceAnalyzerPort, options: DetectFacesOptions = {}): OperatorFunction<Frame, FrameFaces> {
  const now = options.now ?? (() => performance.now());
  return concatMap((frame) => {
    const started = now();
    return defer(() => analyzer.detect(frame)).pipe(
      map((faces) => ({ frame, faces, detectMs: now() - started })),
      catchError((cause: unknown) => {
        const error = new PipelineError(
          'DETECT_FAILED',
          `camera ${frame.camera}: face detection failed on frame ${frame.seq} (${describeError(cause)}); the frame is skipped`,
          { cause, camera: frame.camera },
        );
        options.onError?.(error, frame);
        return EMPTY;
      }),
    );
  });
}

// The pipeline's vision ports backed by @argus/vision: frames are analysed in place (no copy).
import type { EmbedderPort, FaceAnalyzerPort, Frame } from '@argus/pipeline';
import { fromRawRgb, type Face, type FaceAnalyzer, type RgbImage } from '@argus/vision';

export function analyzerPort(analyzer: FaceAnalyzer): FaceAnalyzerPort {
  return {
    detect: (frame: Frame): Promise<Face[]> => analyzer.analyze(fromRawRgb(frame.data, frame.width, frame.height)),
  };
}

export function embedderPort(analyzer: FaceAnalyzer): EmbedderPort {
  return { embed: (faces: RgbImage[]) => analyzer.embedder.embed(faces) };
}

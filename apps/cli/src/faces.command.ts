// `argus faces <image...> [--embed] [--json]`: try the face models on your own photos.
import { readFile } from 'node:fs/promises';
import { loadConfig } from '@argus/config';
import { FaceAnalyzer, VisionError, type Face } from '@argus/vision';

export interface FacesOptions {
  files: string[];
  embed: boolean;
  json: boolean;
  out: (line: string) => void;
  err: (line: string) => void;
}

const round = (n: number, digits = 1) => Number(n.toFixed(digits));

function toJson(face: Face, embed: boolean) {
  return {
    box: [round(face.box.x), round(face.box.y), round(face.box.width), round(face.box.height)],
    score: round(face.score, 4),
    landmarks: face.landmarks.map(([x, y]) => [round(x), round(y)]),
    quality: round(face.quality.score, 3),
    ...(embed && face.embedding ? { embedding: Array.from(face.embedding, (v) => round(v, 6)) } : {}),
  };
}

function errorOf(err: unknown): { code: string; message: string } {
  if (err instanceof VisionError) return { code: err.code, message: err.message };
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ENOENT') return { code: 'FILE_NOT_FOUND', message: `no such file: ${e.path}` };
  if (e?.code === 'EISDIR') return { code: 'FILE_NOT_FOUND', message: `${e.path} is a directory, not an image` };
  return { code: 'INTERNAL', message: (err as Error)?.message ?? String(err) };
}

/** Returns the number of files that failed. */
export async function runFaces(opts: FacesOptions): Promise<number> {
  const config = loadConfig();
  const started = performance.now();
  const analyzer = await FaceAnalyzer.create(config);
  if (!opts.json) opts.err(`models loaded in ${(performance.now() - started).toFixed(0)} ms (${analyzer.detector.name} detector, ${analyzer.provider})`);
  let failed = 0;
  try {
    for (const file of opts.files) {
      const t0 = performance.now();
      try {
        const { image, faces } = await analyzer.analyzeEncoded(await readFile(file), { embed: opts.embed });
        const ms = round(performance.now() - t0);
        if (opts.json) {
          opts.out(JSON.stringify({ file, faces: faces.map((f) => toJson(f, opts.embed)), ms }));
          continue;
        }
        opts.out(`${file}: ${image.width}x${image.height}, ${faces.length} face${faces.length === 1 ? '' : 's'} in ${ms} ms`);
        faces.forEach((f, i) => {
          const b = f.box;
          const q = f.quality;
          opts.out(
            `  #${i + 1} box ${b.x.toFixed(0)},${b.y.toFixed(0)} ${b.width.toFixed(0)}x${b.height.toFixed(0)}  score ${f.score.toFixed(3)}  ` +
              `quality ${q.score.toFixed(2)} (size ${q.sizePx.toFixed(0)} px, sharpness ${q.blur.toFixed(0)}, yaw ${q.yaw.toFixed(2)})` +
              (f.embedding ? `  embedding [${Array.from(f.embedding.subarray(0, 4), (v) => v.toFixed(3)).join(', ')}, …]` : ''),
          );
        });
      } catch (err) {
        failed++;
        const error = errorOf(err);
        if (opts.json) opts.out(JSON.stringify({ file, error }));
        else opts.err(`${file}: error ${error.code}: ${error.message}`);
      }
    }
  } finally {
    await analyzer.dispose();
  }
  return failed;
}

// Detection and identification on real photos with the real models.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '@argus/config';
import { cosine, pairScores, recommendThreshold, type Face } from './index.ts';
import { BBT_PEOPLE, readFixture, sharedAnalyzer } from './testing/fixtures.ts';

const GROUP_FACES: Record<string, number> = { 'bbt1.jpg': 4, 'bbt2.jpg': 3, 'bbt3.jpg': 5, 'bbt4.jpg': 6, 'bbt5.jpg': 5 };

/** Identities from ../shared/data/README.md: left to right; bbt4/faces.jpg top row then bottom row. */
const GROUP_IDENTITIES: Record<string, { rows: 1 | 2; names: string[] }> = {
  'bbt3.jpg': { rows: 1, names: ['sheldon', 'howard', 'penny', 'raj', 'leonard'] },
  'bbt4.jpg': { rows: 2, names: ['amy', 'raj', 'bernadette', 'leonard', 'penny', 'sheldon'] },
  'bbt5.jpg': { rows: 1, names: ['raj', 'penny', 'sheldon', 'leonard', 'howard'] },
  'faces.jpg': { rows: 2, names: ['amy', 'raj', 'bernadette', 'leonard', 'penny', 'sheldon'] },
};

/** Reading order: by row (split at the middle of the face centres' y range), then left to right. */
function readingOrder(faces: Face[], rows: 1 | 2): Face[] {
  const cy = (f: Face) => f.box.y + f.box.height / 2;
  const ys = faces.map(cy);
  const split = (Math.min(...ys) + Math.max(...ys)) / 2;
  const row = (f: Face) => (rows === 2 && cy(f) > split ? 1 : 0);
  return [...faces].sort((a, b) => row(a) - row(b) || a.box.x - b.box.x);
}

interface Enrolled {
  label: string;
  embedding: Float32Array;
}

async function enrollAllCrops(): Promise<Enrolled[]> {
  const analyzer = await sharedAnalyzer();
  const out: Enrolled[] = [];
  for (const name of BBT_PEOPLE) {
    for (let i = 1; i <= 5; i++) {
      const { faces } = await analyzer.analyzeEncoded(readFixture(`faces/bbt/${name}/${i}.png`), { embed: true });
      expect(faces.length, `faces/bbt/${name}/${i}.png should hold exactly one face`).toBe(1);
      out.push({ label: name, embedding: faces[0]!.embedding! });
    }
  }
  return out;
}

/** Best person by their best enrolled face. */
function identify(gallery: Enrolled[], embedding: Float32Array): { name: string; score: number; runnerUp: number } {
  const scores = BBT_PEOPLE.map((p) => Math.max(...gallery.filter((g) => g.label === p).map((g) => cosine(g.embedding, embedding))));
  const order = scores.map((s, i) => [s, i] as const).sort((a, b) => b[0] - a[0]);
  return { name: BBT_PEOPLE[order[0]![1]]!, score: order[0]![0], runnerUp: order[1]![0] };
}

describe('face detection on real photos', () => {
  it.each(Object.entries(GROUP_FACES))('finds every visible face in %s', async (file, expected) => {
    const analyzer = await sharedAnalyzer();
    const { faces } = await analyzer.analyzeEncoded(readFixture(`groups/${file}`));
    expect(faces).toHaveLength(expected);
    for (const f of faces) {
      expect(f.landmarks).toHaveLength(5);
      expect(f.aligned.width).toBe(112);
      expect(f.quality.score).toBeGreaterThanOrEqual(0);
      expect(f.quality.score).toBeLessThanOrEqual(1);
      // Landmarks fall inside their box (eyes above the mouth).
      const [le, re, , lm, rm] = f.landmarks;
      expect(le[1]).toBeLessThan(lm[1]);
      expect(re[1]).toBeLessThan(rm[1]);
      expect(le[0]).toBeGreaterThan(f.box.x - f.box.width * 0.1);
      expect(re[0]).toBeLessThan(f.box.x + f.box.width * 1.1);
    }
  });

  it('finds no face in a blank white image', async () => {
    const analyzer = await sharedAnalyzer();
    const { faces } = await analyzer.analyzeEncoded(readFixture('groups/no_face_white.png'));
    expect(faces).toEqual([]);
  });
});

describe('identification', () => {
  it('names every face in the group photos after enrolling the five crops of each person', async () => {
    const analyzer = await sharedAnalyzer();
    const gallery = await enrollAllCrops();
    const { match } = loadConfig().recognition;
    for (const [file, truth] of Object.entries(GROUP_IDENTITIES)) {
      const { faces } = await analyzer.analyzeEncoded(readFixture(`groups/${file}`), { embed: true });
      const got = readingOrder(faces, truth.rows).map((f) => identify(gallery, f.embedding!));
      expect(got.map((g) => g.name), file).toEqual(truth.names);
      for (const g of got) expect(g.score, `${file} ${g.name}`).toBeGreaterThanOrEqual(match);
    }
    // bbt1 (all bearded) is reported, not asserted.
    const { faces } = await analyzer.analyzeEncoded(readFixture('groups/bbt1.jpg'), { embed: true });
    const report = readingOrder(faces, 1).map((f) => identify(gallery, f.embedding!));
    console.log(`bbt1.jpg (expected raj, leonard, howard, sheldon): ${report.map((r) => `${r.name} ${r.score.toFixed(3)} (next ${r.runnerUp.toFixed(3)})`).join(', ')}`);
  });

  it('leave-one-out rank-1 on the 40 BBT crops is at least 39/40, and the configured threshold matches the derived one', async () => {
    const gallery = await enrollAllCrops();
    let correct = 0;
    gallery.forEach((probe, i) => {
      const others = gallery.filter((_, j) => j !== i);
      let best = -2;
      let label = '';
      for (const o of others) {
        const s = cosine(probe.embedding, o.embedding);
        if (s > best) [best, label] = [s, o.label];
      }
      if (label === probe.label) correct++;
      else console.log(`leave-one-out miss: ${probe.label} -> ${label} (${best.toFixed(3)})`);
    });
    expect(correct).toBeGreaterThanOrEqual(39);

    const { same, different } = pairScores(gallery);
    const histogram = (xs: number[]) => {
      const bins = new Array<number>(12).fill(0);
      for (const x of xs) bins[Math.min(11, Math.max(0, Math.floor((x + 0.2) / 0.1)))]!++;
      return bins.map((n, i) => `${(i * 0.1 - 0.2).toFixed(1)}:${n}`).join(' ');
    };
    const stats = (xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b);
      return `n=${s.length} min=${s[0]!.toFixed(3)} median=${s[s.length >> 1]!.toFixed(3)} max=${s[s.length - 1]!.toFixed(3)}`;
    };
    const rec = recommendThreshold(same, different);
    console.log(
      `leave-one-out rank-1: ${correct}/40\nsame-person cosine: ${stats(same)}\n  ${histogram(same)}\n` +
        `different-person cosine: ${stats(different)}\n  ${histogram(different)}\n` +
        `recommended threshold ${rec.threshold.toFixed(3)} (gap ${rec.interval[0].toFixed(3)}..${rec.interval[1].toFixed(3)}, FRR ${(rec.falseRejectRate * 100).toFixed(1)} %, FAR ${(rec.falseAcceptRate * 100).toFixed(2)} %)`,
    );
    expect(Math.abs(loadConfig().recognition.match - rec.threshold), 'config/default.yaml recognition.match').toBeLessThan(0.01);
  });
});

describe('batched embedding', () => {
  it('returns the same vectors as one face at a time', async () => {
    const analyzer = await sharedAnalyzer();
    const faces: Face[] = [];
    for (const file of ['groups/bbt4.jpg', 'groups/bbt5.jpg']) faces.push(...(await analyzer.analyzeEncoded(readFixture(file))).faces);
    expect(faces.length).toBe(11);
    const batched = await analyzer.embed(faces);
    let maxDiff = 0;
    for (let i = 0; i < faces.length; i++) {
      const [single] = await analyzer.embed([faces[i]!]);
      for (let k = 0; k < 512; k++) maxDiff = Math.max(maxDiff, Math.abs(single![k]! - batched[i]![k]!));
      let norm = 0;
      for (const v of batched[i]!) norm += v * v;
      expect(Math.sqrt(norm)).toBeCloseTo(1, 5);
    }
    expect(maxDiff).toBeLessThan(1e-4);
  });
});

describe('concurrent use', () => {
  it('gives every overlapping call the same faces and embeddings as calls one at a time', async () => {
    const analyzer = await sharedAnalyzer();
    const files = ['groups/bbt3.jpg', 'groups/bbt4.jpg', 'groups/bbt5.jpg', 'faces/bbt/amy/1.png', 'faces/bbt/raj/2.png', 'groups/bbt1.jpg'];
    const buffers = files.map(readFixture);
    const sequential: Face[][] = [];
    for (const b of buffers) sequential.push((await analyzer.analyzeEncoded(b, { embed: true })).faces);
    const overlapping = await Promise.all(buffers.map((b) => analyzer.analyzeEncoded(b, { embed: true })));
    overlapping.forEach(({ faces }, i) => {
      expect(faces.length, files[i]).toBe(sequential[i]!.length);
      faces.forEach((f, j) => {
        expect(f.box, files[i]).toEqual(sequential[i]![j]!.box);
        expect(cosine(f.embedding!, sequential[i]![j]!.embedding!), files[i]).toBeGreaterThan(0.9999);
      });
    });
  });
});

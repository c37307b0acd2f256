// Issue #6, end to end: a fake camera records a clip in which BBT people appear at known times; ingest turns
// every face track into a sighting; the api finds them again by photo (enrolled or never enrolled) and by
// person, cuts the recorded video of each without re-encoding and serves it with HTTP Range.
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@argus/config';
import { enrollResponseSchema, exportListResponseSchema, exportViewSchema, searchResponseSchema, type SearchResult } from '@argus/protocol';
import { makeFaceClip, probeDuration, startFakeCamera, type FaceClip, type FakeCamera } from '@argus/video';
import { leftoverProcesses, startStack, type Stack } from './stack.ts';

const fixtures = loadConfig().resolved.fixtures;
// Each alone on screen for 4 s with 3 s gaps, photo 1 of each; the searches use other photos of them.
const IN_CLIP = ['leonard', 'penny', 'raj', 'amy'];
const CAMERA = 'hall';
// Seconds of slack between the clip's timeline and the wall-clock times of sightings (RTSP start-up,
// detection needing two hits, ffmpeg latency).
const EARLY_S = 1.5;
const LATE_S = 3;

let stack: Stack | undefined;
let clip: FaceClip;
let camera: FakeCamera | undefined;
let cameraStartedAt = 0;
const personIds: Record<string, string> = {};

const http = (path: string, init?: RequestInit): Promise<Response> => stack!.http(path, init);

const photo = async (name: string, n: number): Promise<Blob> => new Blob([await readFile(join(fixtures, `faces/bbt/${name}/${n}.png`))], { type: 'image/png' });

async function searchByPhoto(name: string, n: number, fields: Record<string, string> = {}): Promise<SearchResult[]> {
  const form = new FormData();
  form.append('image', await photo(name, n), `${name}-${n}.png`);
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  const res = await http('/api/search', { method: 'POST', body: form });
  const body: unknown = await res.json();
  expect(res.status, JSON.stringify(body)).toBe(200);
  await refreshAnchors();
  return searchResponseSchema.parse(body).results;
}

async function searchByPerson(personId: string): Promise<SearchResult[]> {
  const res = await http('/api/search', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ personId, cameras: [CAMERA] }) });
  const body: unknown = await res.json();
  expect(res.status, JSON.stringify(body)).toBe(200);
  await refreshAnchors();
  return searchResponseSchema.parse(body).results;
}

// The camera loops the clip, but a loop lasts a little longer than the clip (the publisher's restart), so
// wall-clock time drifts against the clip's timeline. Each loop is anchored at the end of a sighting of the
// first person on screen (leonard; the end, because the camera may join while he is already on screen): the
// loop began when that sighting ended, less the time he leaves the screen in the clip.
const ANCHOR = IN_CLIP[0]!;
let loopStarts: number[] = [];

async function refreshAnchors(): Promise<void> {
  const form = new FormData();
  form.append('image', await photo(ANCHOR, 2), `${ANCHOR}-2.png`);
  form.append('limit', '500');
  const res = await http('/api/search', { method: 'POST', body: form });
  const { results } = searchResponseSchema.parse(await res.json());
  // Every loop shows the same portrait, so its sightings share one embedding and one high score.
  const best = results[0]?.score ?? 1;
  const leaves = clip.manifest.find((a) => a.person === ANCHOR)!.toS;
  loopStarts = results
    .filter((r) => r.score > best - 0.05)
    .map((r) => r.end - leaves * 1000)
    .sort((a, b) => a - b);
}

/** Where in the looping clip a wall-clock time falls, in seconds. */
function clipPhase(ms: number): number {
  const loopStart = loopStarts.filter((a) => a <= ms + EARLY_S * 1000).at(-1);
  if (loopStart === undefined) return ((((ms - cameraStartedAt) / 1000) % clip.durationS) + clip.durationS) % clip.durationS;
  return (ms - loopStart) / 1000;
}

/** True when the sighting starts while `name` is on screen in the clip and lasts no longer than that. */
function withinAppearance(result: SearchResult, name: string): boolean {
  const appearance = clip.manifest.find((a) => a.person === name)!;
  const phase = clipPhase(result.start);
  const lengthS = (result.end - result.start) / 1000;
  return phase >= appearance.fromS - EARLY_S && phase <= appearance.toS && lengthS <= appearance.toS - appearance.fromS + LATE_S;
}

const isTop = (results: SearchResult[], name: string): string =>
  results.map((r) => `${r.score.toFixed(3)}@${clipPhase(r.start).toFixed(1)}s${withinAppearance(r, name) ? '*' : ''}`).join(' ');

beforeAll(async () => {
  [stack, clip] = await Promise.all([
    startStack({ ingest: true }),
    makeFaceClip({ fixturesDir: fixtures, outDir: join(tmpdir(), 'argus-test-clips'), people: IN_CLIP.map((name) => ({ name, photo: 1 })), secondsPerPerson: 4, gapSeconds: 3 }),
  ]);
  camera = await startFakeCamera({ clip: clip.path });
  cameraStartedAt = Date.now();
});

afterAll(async () => {
  const services = [stack?.api(), stack?.ingest()].filter((s) => s !== undefined);
  await stack?.stop();
  await camera?.stop();
  expect(leftoverProcesses(camera?.url)).toEqual([]);
  for (const s of services) expect({ name: s.name, ...(await s.exited) }).toEqual({ name: s.name, code: 0, signal: null });
});

describe('historical search, end to end', () => {
  it('records the camera and turns every face track into a searchable sighting', async () => {
    for (const name of ['penny', 'leonard']) {
      const form = new FormData();
      form.append('name', name);
      for (const n of [2, 5]) form.append('image', await photo(name, n), `${name}-${n}.png`);
      const res = await http('/api/watchlist', { method: 'POST', body: form });
      expect(res.status).toBe(201);
      personIds[name] = enrollResponseSchema.parse(await res.json()).id;
    }
    const res = await http('/api/cameras', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: CAMERA, url: camera!.url, analysisFps: 5, record: true }) });
    expect(res.status).toBe(201);
    // A full loop of the clip, plus time for the last track to close and its recording segment to be written.
    // The camera may join mid-loop: wait until everyone has a complete sighting, the enrolled ones matched to
    // their entry, and the recording of each has been written.
    await stack!.waitFor('sightings of everyone in the clip, and their recordings', clip.durationS * 4000 + 30_000, async () => {
      for (const name of IN_CLIP) {
        const found = (await searchByPhoto(name, 2)).find((r) => withinAppearance(r, name) && (!personIds[name] || r.person?.id === personIds[name]));
        if (!found || (await http(found.clipUrl, { method: 'HEAD' })).status !== 200) return undefined;
      }
      return true;
    }, 500);
  });

  it('finds an enrolled person by a photo not used in the clip: top-ranked, on that camera, at the times they appeared', async () => {
    const results = await searchByPhoto('penny', 4, { cameras: CAMERA });
    expect(results.length).toBeGreaterThan(0);
    const top = results[0]!;
    expect(top.camera, isTop(results, 'penny')).toBe(CAMERA);
    expect(withinAppearance(top, 'penny'), isTop(results, 'penny')).toBe(true);
    expect(top.person).toEqual({ id: personIds.penny, name: 'penny' });
    // Every sighting at penny's times outranks every sighting at anyone else's.
    const hers = results.filter((r) => withinAppearance(r, 'penny'));
    const others = results.filter((r) => !withinAppearance(r, 'penny'));
    expect(Math.min(...hers.map((r) => r.score)), isTop(results, 'penny')).toBeGreaterThan(Math.max(-1, ...others.map((r) => r.score)));
  });

  it('finds an enrolled person by their watchlist entry (all their enrolled faces)', async () => {
    const results = await searchByPerson(personIds.penny!);
    expect(withinAppearance(results[0]!, 'penny'), isTop(results, 'penny')).toBe(true);
  });

  it('finds a person who was never enrolled, by photo', async () => {
    const results = await searchByPhoto('raj', 2);
    const top = results[0]!;
    expect(withinAppearance(top, 'raj'), isTop(results, 'raj')).toBe(true);
    expect(top.person).toBeUndefined();
    expect(top.thumbUrl).toMatch(/^\/api\/images\/thumbs\/.+\.jpg$/);
    expect((await http(top.thumbUrl!)).status).toBe(200);
  });

  it('filters by time and camera', async () => {
    const all = await searchByPhoto('penny', 4);
    const first = all.filter((r) => withinAppearance(r, 'penny')).sort((a, b) => a.start - b.start)[0]!;
    const windowed = await searchByPhoto('penny', 4, { from: String(first.start - 500), to: String(first.end + 500) });
    expect(windowed.map((r) => r.sightingId)).toContain(first.sightingId);
    for (const r of windowed) expect(r.end >= first.start - 500 && r.start <= first.end + 500).toBe(true);
    expect(await searchByPhoto('penny', 4, { cameras: 'elsewhere' })).toEqual([]);
  });

  it('serves the clip of a sighting as playable MP4 covering it, with HTTP Range', async () => {
    const [top] = await searchByPhoto('penny', 4);
    const res = await http(top!.clipUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('video/mp4');
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    // The window the clip really covers: from its first keyframe before the pre-roll to past the sighting.
    expect(Number(res.headers.get('x-clip-from'))).toBeLessThanOrEqual(top!.start);
    expect(Number(res.headers.get('x-clip-to'))).toBeGreaterThanOrEqual(top!.end);
    const bytes = Buffer.from(await res.arrayBuffer());
    const file = join(stack!.dataDir, 'downloaded.mp4');
    await writeFile(file, bytes);
    const durationS = await probeDuration(file);
    expect(durationS).toBeGreaterThanOrEqual((top!.end - top!.start) / 1000);

    const part = await http(top!.clipUrl, { headers: { range: 'bytes=100-1099' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-1099/${bytes.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(100, 1100))).toBe(true);
    const beyond = await http(top!.clipUrl, { headers: { range: `bytes=${bytes.length + 10}-` } });
    expect(beyond.status).toBe(416);
  });

  it('rejects path traversal and bad times with 400, and a window without recording with 404 and a clear message', async () => {
    const now = Date.now();
    for (const path of [`/api/clips/..%2F..%2Fetc?from=${now - 5000}&to=${now}`, `/api/clips/${CAMERA}?from=yesterday&to=${now}`, `/api/clips/${CAMERA}?from=${now}&to=${now - 5000}`]) {
      const res = await http(path);
      expect(res.status, path).toBe(400);
    }
    const old = Date.parse('2001-01-01T00:00:00Z');
    const res = await http(`/api/clips/${CAMERA}?from=${old}&to=${old + 10_000}`);
    expect(res.status).toBe(404);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('NO_RECORDING');
    expect(body.error.message).toContain(CAMERA);
  });

  it('keeps an exported clip and lists it', async () => {
    const [top] = await searchByPhoto('penny', 4);
    const res = await http('/api/exports', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ camera: CAMERA, from: top!.start, to: top!.end, name: 'penny at the hall' }) });
    expect(res.status).toBe(201);
    const created = exportViewSchema.parse(await res.json());
    const { exports } = exportListResponseSchema.parse(await (await http('/api/exports')).json());
    expect(exports.map((e) => e.id)).toContain(created.id);
    const file = await http(created.url);
    expect(file.status).toBe(200);
    expect(Number(file.headers.get('content-length'))).toBe(created.bytes);
  });

  it('removing a person unlinks their sightings; erasure removes them, their thumbnails and their index entries', async () => {
    const removed = await http(`/api/watchlist/${personIds.leonard}`, { method: 'DELETE' });
    expect(removed.status).toBe(200);
    expect(((await removed.json()) as { sightingsUnlinked: number }).sightingsUnlinked).toBeGreaterThan(0);
    const leonard = await searchByPhoto('leonard', 2);
    expect(withinAppearance(leonard[0]!, 'leonard'), isTop(leonard, 'leonard')).toBe(true);
    for (const r of leonard) expect(r.person?.id).not.toBe(personIds.leonard);

    const before = (await searchByPhoto('penny', 4)).filter((r) => r.person?.id === personIds.penny);
    expect(before.length).toBeGreaterThan(0);
    const erase = await http(`/api/sightings?person=${personIds.penny}`, { method: 'DELETE' });
    expect(erase.status).toBe(200);
    const erased = (await erase.json()) as { sightingsRemoved: number; thumbsDeleted: number };
    expect(erased.sightingsRemoved).toBeGreaterThanOrEqual(before.length);
    expect(erased.thumbsDeleted).toBe(erased.sightingsRemoved);
    const after = await searchByPhoto('penny', 4);
    const gone = new Set(before.map((r) => r.sightingId));
    expect(after.filter((r) => gone.has(r.sightingId))).toEqual([]);
    expect((await http(before[0]!.thumbUrl!)).status).toBe(404);
  });
});

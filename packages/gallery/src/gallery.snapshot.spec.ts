import { mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Gallery, GalleryError } from './index.ts';
import { noisyCopy, randomUnit, seededRandom } from './synthetic-embeddings.ts';

const DIM = 512;
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(os.tmpdir(), 'argus-gallery-spec-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A gallery with history: adds, a replace, removals (free labels) and growth past its first capacity. */
function buildGallery(seed = 1) {
  const rand = seededRandom(seed);
  const gallery = new Gallery({ initialCapacity: 16, efSearch: 40, exactBelow: 50 });
  const identities = Array.from({ length: 30 }, () => randomUnit(rand, DIM));
  identities.forEach((identity, p) => {
    for (let f = 0; f < 3; f++) gallery.add(`f${p}-${f}`, `p${p}`, noisyCopy(rand, identity, 0.7));
  });
  gallery.add('f2-0', 'p3', noisyCopy(rand, identities[3]!, 0.7));
  gallery.remove(['f5-1', 'f9-0']);
  gallery.removePerson('p11');
  const queries = identities.map((identity) => noisyCopy(rand, identity, 0.65));
  return { gallery, identities, queries, rand };
}

async function loadError(): Promise<GalleryError> {
  try {
    await Gallery.loadSnapshot(dir);
  } catch (err) {
    expect(err).toBeInstanceOf(GalleryError);
    return err as GalleryError;
  }
  throw new Error('expected loadSnapshot to throw');
}

async function snapshotFile(prefix: string): Promise<string> {
  const name = (await readdir(dir)).find((n) => n.startsWith(prefix));
  if (!name) throw new Error(`no ${prefix}* file in ${dir}`);
  return join(dir, name);
}

describe('Gallery snapshots', () => {
  it('returns null when there is no snapshot', async () => {
    expect(await Gallery.loadSnapshot(dir)).toBeNull();
    expect(await Gallery.loadSnapshot(join(dir, 'does-not-exist'))).toBeNull();
  });

  it('round-trips: identical search results, labels, options and lastLogId', async () => {
    const { gallery, queries, rand } = buildGallery();
    await gallery.saveSnapshot(dir, '1700000000000-7');
    const loaded = await Gallery.loadSnapshot(dir);
    expect(loaded).not.toBeNull();
    const { gallery: copy, lastLogId } = loaded!;
    expect(lastLogId).toBe('1700000000000-7');
    expect(copy.options).toEqual(gallery.options);
    expect(copy.size).toBe(gallery.size);
    expect(copy.stats()).toEqual(gallery.stats());
    expect(copy.persons().sort()).toEqual(gallery.persons().sort());
    expect(copy.has('f5-1')).toBe(false);
    expect(copy.personOf('f2-0')).toBe('p3');
    for (const q of queries) {
      for (const strategy of ['exact', 'hnsw'] as const) {
        expect(copy.search(q, { k: 10, strategy })).toEqual(gallery.search(q, { k: 10, strategy }));
      }
    }

    // The loaded gallery keeps working: free labels are reused, removals stick.
    const before = copy.stats().labelsUsed;
    copy.add('late', 'p-late', randomUnit(rand, DIM));
    expect(copy.stats().labelsUsed).toBe(before);
    copy.removePerson('p0');
    for (const q of queries) expect(copy.searchFaces(q, copy.size, 'hnsw').some((f) => f.personId === 'p0')).toBe(false);
  });

  it('round-trips an empty gallery, which then accepts faces', async () => {
    await new Gallery().saveSnapshot(dir, '0-0');
    const loaded = await Gallery.loadSnapshot(dir);
    expect(loaded!.gallery.size).toBe(0);
    const v = randomUnit(seededRandom(4), DIM);
    loaded!.gallery.add('f1', 'p1', v);
    expect(loaded!.gallery.search(v, { strategy: 'hnsw' })[0]).toMatchObject({ personId: 'p1', faceId: 'f1' });
  });

  it('replaces the previous snapshot and leaves no temporary or stale files', async () => {
    const { gallery, rand } = buildGallery();
    await gallery.saveSnapshot(dir, '1-0');
    gallery.add('extra', 'p-extra', randomUnit(rand, DIM));
    await gallery.saveSnapshot(dir, '2-0');
    const files = (await readdir(dir)).sort();
    expect(files).toHaveLength(2);
    expect(files[0]).toBe('gallery.json');
    expect(files[1]).toMatch(/^index-.*\.hnsw$/);
    const loaded = await Gallery.loadSnapshot(dir);
    expect(loaded!.lastLogId).toBe('2-0');
    expect(loaded!.gallery.has('extra')).toBe(true);
  });

  it('keeps the committed snapshot when a later save died half-way', async () => {
    const { gallery } = buildGallery();
    await gallery.saveSnapshot(dir, '5-0');
    // What a crash between writing the index and committing the sidecar leaves behind.
    await writeFile(join(dir, 'index-9999-1-0.hnsw.tmp'), 'half an index');
    await writeFile(join(dir, 'gallery.json.9999-1-0.tmp'), '{"format":');
    const loaded = await Gallery.loadSnapshot(dir);
    expect(loaded!.lastLogId).toBe('5-0');
    expect(loaded!.gallery.size).toBe(gallery.size);
    // The next save clears the leftovers.
    await gallery.saveSnapshot(dir, '6-0');
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('serialises concurrent saves; the last one wins', async () => {
    const { gallery } = buildGallery();
    await Promise.all([gallery.saveSnapshot(dir, '1-0'), gallery.saveSnapshot(dir, '2-0'), gallery.saveSnapshot(dir, '3-0')]);
    expect((await Gallery.loadSnapshot(dir))!.lastLogId).toBe('3-0');
    expect(await readdir(dir)).toHaveLength(2);
  });

  describe('corruption', () => {
    beforeEach(async () => {
      await buildGallery().gallery.saveSnapshot(dir, '1-0');
    });

    const expectCorrupt = async (reason: RegExp) => {
      const err = await loadError();
      expect(err.code).toBe('GALLERY_SNAPSHOT_CORRUPT');
      expect(err.message).toMatch(reason);
      expect(err.message).toContain(dir);
      expect(err.message).toMatch(/delete that directory and restart to rebuild the gallery from Redis/);
    };

    it('detects a truncated index file', async () => {
      const index = await snapshotFile('index-');
      await truncate(index, 1000);
      await expectCorrupt(/index-.*\.hnsw is 1000 bytes/);
    });

    it('detects a flipped byte in the index file', async () => {
      const index = await snapshotFile('index-');
      const bytes = await readFile(index);
      bytes[12345] = bytes[12345]! ^ 0xff;
      await writeFile(index, bytes);
      await expectCorrupt(/index-.*\.hnsw fails its sha256 check/);
    });

    it('detects an index whose layout does not match the sidecar options', async () => {
      const sidecar = JSON.parse(await readFile(join(dir, 'gallery.json'), 'utf8')) as { options: { m: number } };
      sidecar.options.m = 16;
      await writeFile(join(dir, 'gallery.json'), JSON.stringify(sidecar));
      await expectCorrupt(/unexpected hnswlib layout/);
    });

    it('detects a missing index file', async () => {
      await rm(await snapshotFile('index-'));
      await expectCorrupt(/index file .* is unreadable/);
    });

    it('detects a sidecar that is not JSON', async () => {
      await writeFile(join(dir, 'gallery.json'), '{"format": "argus-gallery-snap');
      await expectCorrupt(/gallery\.json is not valid JSON/);
    });

    it('detects a sidecar with inconsistent labels', async () => {
      const sidecar = JSON.parse(await readFile(join(dir, 'gallery.json'), 'utf8')) as { faces: [number, string, string][] };
      sidecar.faces[1]![0] = sidecar.faces[0]![0];
      await writeFile(join(dir, 'gallery.json'), JSON.stringify(sidecar));
      await expectCorrupt(/appears twice|do not add up/);
    });

    it('detects a sidecar from another format version', async () => {
      const sidecar = JSON.parse(await readFile(join(dir, 'gallery.json'), 'utf8')) as Record<string, unknown>;
      await writeFile(join(dir, 'gallery.json'), JSON.stringify({ ...sidecar, version: 99 }));
      await expectCorrupt(/version 99 is not supported/);
    });
  });
});

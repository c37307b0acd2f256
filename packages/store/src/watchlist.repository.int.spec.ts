import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GalleryLogRepository } from './gallery-log.repository.ts';
import { ImageStore } from './image-store.ts';
import { newId } from './ids.ts';
import { keys } from './keys.ts';
import { isStoreError } from './store-error.ts';
import { withTestRedis } from './test-redis.ts';
import { WatchlistRepository } from './watchlist.repository.ts';

const redis = withTestRedis();
const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 1, 0xff, 0xd9]);

function randomEmbedding(dim = 512): Float32Array {
  const v = new Float32Array(dim);
  for (let i = 0; i < dim; i++) v[i] = Math.random() * 2 - 1;
  return v;
}
const sameBits = (a: Float32Array, b: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

async function codeOf(run: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await run();
  } catch (err) {
    return isStoreError(err) ? err.code : `untyped: ${(err as Error).message}`;
  }
  return undefined;
}

const allKeys = async () => (await redis.client.keys('argus:*')).sort();

describe('WatchlistRepository', () => {
  let imagesDir: string;
  beforeAll(async () => {
    imagesDir = await mkdtemp(join(tmpdir(), 'argus-watchlist-images-'));
  });
  afterAll(() => rm(imagesDir, { recursive: true, force: true }));

  it('creates, reads and lists persons with their face counts', async () => {
    const watchlist = new WatchlistRepository(redis.client);
    const ada = await watchlist.createPerson({ name: '  Ada  ', notes: 'front desk' });
    const bo = await watchlist.createPerson({ name: 'Bo' });
    expect(ada).toMatchObject({ name: 'Ada', notes: 'front desk' });
    expect(await watchlist.getPerson(ada.id)).toEqual(ada);
    expect(await watchlist.getPerson(newId())).toBeNull();
    await watchlist.addFace({ personId: bo.id, embedding: randomEmbedding(4), quality: 0.5, imagePath: '' });
    const listed = await watchlist.listPersons();
    expect(listed.map((p) => [p.name, p.faceCount])).toEqual([
      ['Ada', 0],
      ['Bo', 1],
    ]);
    expect(await codeOf(() => watchlist.createPerson({ name: '' }))).toBe('INVALID_INPUT');
    await watchlist.close();
  });

  it('stores faces with bit-exact 512-d embeddings and logs one add event per face', async () => {
    const watchlist = new WatchlistRepository(redis.client);
    const galleryLog = new GalleryLogRepository(redis.client);
    const person = await watchlist.createPerson({ name: 'Cy' });
    const embeddings = [randomEmbedding(), randomEmbedding()];
    // Awkward values on purpose: the smallest subnormal and negative zero must survive too.
    embeddings[0]![0] = 1e-45;
    embeddings[0]![1] = -0;
    const added: Array<{ id: string; logId: string }> = [];
    for (const embedding of embeddings) added.push(await watchlist.addFace({ personId: person.id, embedding, quality: 0.83, imagePath: 'faces/x.jpg' }));

    const faces = await watchlist.facesOf(person.id);
    expect(faces.map((f) => f.id).sort()).toEqual(added.map((f) => f.id).sort());
    for (const face of faces) {
      const original = embeddings[added.findIndex((a) => a.id === face.id)]!;
      expect(sameBits(face.embedding, original)).toBe(true);
      expect(face).toMatchObject({ personId: person.id, quality: 0.83, imagePath: 'faces/x.jpg' });
    }
    expect((await watchlist.allFaces()).length).toBe(2);
    expect(sameBits((await watchlist.getFace(added[0]!.id))!.embedding, embeddings[0]!)).toBe(true);

    const events = await galleryLog.readAfter('0');
    expect(events.map((e) => e.id)).toEqual(added.map((a) => a.logId));
    events.forEach(({ event }, i) => {
      expect(event).toMatchObject({ op: 'add', faceId: added[i]!.id, personId: person.id });
      expect(event.op === 'add' && sameBits(event.embedding, embeddings[i]!)).toBe(true);
    });
    await watchlist.close();
  });

  it('uses the caller’s face id, so the image file can be named by it first', async () => {
    const watchlist = new WatchlistRepository(redis.client);
    const person = await watchlist.createPerson({ name: 'Di' });
    const faceId = newId();
    const face = await watchlist.addFace({ personId: person.id, faceId, embedding: randomEmbedding(8), quality: 1, imagePath: `faces/${faceId}.jpg` });
    expect(face.id).toBe(faceId);
    expect(await codeOf(() => watchlist.addFace({ personId: person.id, faceId, embedding: randomEmbedding(8), quality: 1, imagePath: '' }))).toBe('CONFLICT');
    expect(await codeOf(() => watchlist.addFace({ personId: person.id, faceId: 'a/b', embedding: randomEmbedding(8), quality: 1, imagePath: '' }))).toBe('INVALID_ID');
    await watchlist.close();
  });

  it('writes nothing when the person does not exist', async () => {
    const watchlist = new WatchlistRepository(redis.client);
    expect(await codeOf(() => watchlist.addFace({ personId: newId(), embedding: randomEmbedding(8), quality: 1, imagePath: '' }))).toBe('NOT_FOUND');
    expect(await allKeys()).toEqual([]);
    await watchlist.close();
  });

  it('removePerson deletes the person, faces, sets and image files, and logs one remove event', async () => {
    const images = new ImageStore(imagesDir);
    const watchlist = new WatchlistRepository(redis.client);
    const galleryLog = new GalleryLogRepository(redis.client);
    const keep = await watchlist.createPerson({ name: 'Keep' });
    const keptFace = await watchlist.addFace({ personId: keep.id, embedding: randomEmbedding(8), quality: 1, imagePath: await images.save('faces', 'kept-face', jpeg) });
    const gone = await watchlist.createPerson({ name: 'Gone' });
    const faceIds: string[] = [];
    for (let i = 0; i < 3; i++) {
      const faceId = newId();
      const imagePath = await images.save('faces', faceId, jpeg);
      faceIds.push((await watchlist.addFace({ personId: gone.id, faceId, embedding: randomEmbedding(8), quality: 1, imagePath })).id);
    }
    const keysBefore = await allKeys();

    const removed = await watchlist.removePerson(gone.id, { images });
    expect(removed.faceIds).toEqual([...faceIds].sort());
    expect(removed.imagePaths.sort()).toEqual(faceIds.map((id) => `faces/${id}.jpg`).sort());
    expect(removed.imagesDeleted).toBe(3);
    expect(await readdir(join(imagesDir, 'faces'))).toEqual(['kept-face.jpg']);

    const expectedGone = [keys.person(gone.id), keys.personFaces(gone.id), ...faceIds.map((id) => keys.face(id))];
    expect(await allKeys()).toEqual(keysBefore.filter((k) => !expectedGone.includes(k)));
    expect(await redis.client.sMembers(keys.persons)).toEqual([keep.id]);
    expect(await redis.client.sMembers(keys.faces)).toEqual([keptFace.id]);
    expect((await watchlist.listPersons()).map((p) => p.name)).toEqual(['Keep']);

    const [last] = (await galleryLog.readAfter('0')).slice(-1);
    expect(last).toEqual({ id: removed.logId, event: { op: 'remove', faceIds: removed.faceIds, personId: gone.id } });
    expect(await codeOf(() => watchlist.removePerson(gone.id))).toBe('NOT_FOUND');
    await watchlist.close();
  });

  it('removeFace removes one face and logs it', async () => {
    const watchlist = new WatchlistRepository(redis.client);
    const person = await watchlist.createPerson({ name: 'Eve' });
    const a = await watchlist.addFace({ personId: person.id, embedding: randomEmbedding(8), quality: 1, imagePath: '' });
    const b = await watchlist.addFace({ personId: person.id, embedding: randomEmbedding(8), quality: 1, imagePath: '' });
    const removed = await watchlist.removeFace(a.id);
    expect(removed).toMatchObject({ personId: person.id, faceIds: [a.id] });
    expect((await watchlist.facesOf(person.id)).map((f) => f.id)).toEqual([b.id]);
    expect((await new GalleryLogRepository(redis.client).readAfter(b.logId))[0]?.event).toEqual({ op: 'remove', faceIds: [a.id], personId: person.id });
    expect(await codeOf(() => watchlist.removeFace(a.id))).toBe('NOT_FOUND');
    await watchlist.close();
  });

  it('a person removed between the check and EXEC (WATCH conflict) leaves no face and no add event', async () => {
    const other = await redis.connect();
    let person = '';
    let conflicts = 0;
    const otherWatchlist = new WatchlistRepository(other);
    const watchlist = new WatchlistRepository(redis.client, {
      beforeCommit: async (op) => {
        // Another process removes the person right before our EXEC.
        if (op === 'addFace' && conflicts++ === 0) await otherWatchlist.removePerson(person);
      },
    });
    person = (await watchlist.createPerson({ name: 'Racy' })).id;
    const logBefore = await new GalleryLogRepository(redis.client).readAfter('0');

    expect(await codeOf(() => watchlist.addFace({ personId: person, embedding: randomEmbedding(8), quality: 1, imagePath: '' }))).toBe('NOT_FOUND');
    expect(conflicts).toBe(1);
    expect(await redis.client.keys('argus:face:*')).toEqual([]);
    expect(await redis.client.sMembers(keys.faces)).toEqual([]);
    const logAfter = await new GalleryLogRepository(redis.client).readAfter('0');
    expect(logAfter.slice(logBefore.length).map((e) => e.event.op)).toEqual(['remove']);
    await Promise.all([watchlist.close(), otherWatchlist.close()]);
  });

  it('a face added during removePerson is removed too: the transaction retries with the new face set', async () => {
    const other = await redis.connect();
    let added: string | undefined;
    let person = '';
    const otherWatchlist = new WatchlistRepository(other);
    const watchlist = new WatchlistRepository(redis.client, {
      beforeCommit: async (op) => {
        if (op === 'removePerson' && added === undefined) {
          added = (await otherWatchlist.addFace({ personId: person, embedding: randomEmbedding(8), quality: 1, imagePath: '' })).id;
        }
      },
    });
    person = (await watchlist.createPerson({ name: 'Late' })).id;
    const first = await watchlist.addFace({ personId: person, embedding: randomEmbedding(8), quality: 1, imagePath: '' });
    const removed = await watchlist.removePerson(person);
    expect(removed.faceIds.sort()).toEqual([first.id, added!].sort());
    expect(await allKeys()).toEqual([keys.galleryLog]);
    const removes = (await new GalleryLogRepository(redis.client).readAfter('0')).filter((e) => e.event.op === 'remove');
    expect(removes).toHaveLength(1);
    await Promise.all([watchlist.close(), otherWatchlist.close()]);
  });

  it('gives up with CONFLICT when every attempt conflicts, having written nothing', async () => {
    const other = await redis.connect();
    let person = '';
    const watchlist = new WatchlistRepository(redis.client, {
      maxAttempts: 3,
      beforeCommit: async () => {
        await other.hSet(keys.person(person), 'notes', `touched ${Date.now()}`);
      },
    });
    person = (await watchlist.createPerson({ name: 'Busy' })).id;
    expect(await codeOf(() => watchlist.addFace({ personId: person, embedding: randomEmbedding(8), quality: 1, imagePath: '' }))).toBe('CONFLICT');
    expect(await redis.client.keys('argus:face:*')).toEqual([]);
    expect(await redis.client.exists(keys.galleryLog)).toBe(0);
    await watchlist.close();
  });

  it('a connection killed between WATCH and EXEC never commits unwatched: no face for a person removed meanwhile', async () => {
    const other = await redis.connect();
    let person = '';
    let kills = 0;
    const otherWatchlist = new WatchlistRepository(other);
    const watchlist = new WatchlistRepository(redis.client, {
      beforeCommit: async (op) => {
        if (op !== 'addFace' || kills++ > 0) return;
        const txs = (await other.clientList()).filter((c) => c.name === 'argus-watchlist-tx');
        expect(txs, 'our transaction connection, named in CLIENT LIST').toHaveLength(1);
        // The person goes, then the connection holding the WATCH drops just before EXEC is sent.
        await otherWatchlist.removePerson(person);
        await other.clientKill({ filter: 'ID', id: txs[0]!.id });
        // A moment for the client to see the drop; it reconnects ~100 ms later. An EXEC issued in that gap is
        // what node-redis would queue and send on the new connection, which holds no WATCH.
        await new Promise((r) => setTimeout(r, 1));
      },
    });
    person = (await watchlist.createPerson({ name: 'Gil' })).id;
    const code = await codeOf(() => watchlist.addFace({ personId: person, embedding: randomEmbedding(8), quality: 1, imagePath: '' }));
    // Either the retry saw the person gone, or the loss was reported: never a face without its person.
    expect(['NOT_FOUND', 'REDIS_UNAVAILABLE']).toContain(code);
    expect(await redis.client.keys('argus:face:*')).toEqual([]);
    expect((await new GalleryLogRepository(redis.client).readAfter('0')).map((e) => e.event.op)).toEqual(['remove']);

    // The transaction connection comes back by itself.
    const next = await watchlist.createPerson({ name: 'Hal' });
    await expect(watchlist.addFace({ personId: next.id, embedding: randomEmbedding(8), quality: 1, imagePath: '' })).resolves.toMatchObject({ personId: next.id });
    await Promise.all([watchlist.close(), otherWatchlist.close()]);
  });

  it('a destroyed client fails the call and leaves the watchlist unchanged', async () => {
    const doomed = await redis.connect();
    const watchlist = new WatchlistRepository(doomed);
    const person = await watchlist.createPerson({ name: 'Fay' });
    const before = await allKeys();
    await watchlist.close();
    doomed.destroy();
    await expect(watchlist.addFace({ personId: person.id, embedding: randomEmbedding(8), quality: 1, imagePath: '' })).rejects.toThrow(/closed/i);
    await expect(watchlist.removePerson(person.id)).rejects.toThrow(/closed/i);
    expect(await allKeys()).toEqual(before);
  });

  it('runs concurrent enrollments one transaction at a time without losing any', async () => {
    const watchlist = new WatchlistRepository(redis.client);
    const person = await watchlist.createPerson({ name: 'Many' });
    const results = await Promise.all(
      Array.from({ length: 20 }, () => watchlist.addFace({ personId: person.id, embedding: randomEmbedding(16), quality: 1, imagePath: '' })),
    );
    expect(new Set(results.map((r) => r.id)).size).toBe(20);
    expect((await watchlist.facesOf(person.id)).length).toBe(20);
    expect((await new GalleryLogRepository(redis.client).readAfter('0', 100)).length).toBe(20);
    await watchlist.close();
  });
});

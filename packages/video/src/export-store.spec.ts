import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { assertExportId, ExportStore, normalizeExportName, type ExportRecord } from './export-store.ts';
import { VideoError } from './video-error.ts';

async function codeOf(fn: () => unknown): Promise<string | undefined> {
  try {
    await fn();
  } catch (err) {
    return err instanceof VideoError ? err.code : `not a VideoError: ${String(err)}`;
  }
  return undefined;
}

describe('export ids and names', () => {
  it('accepts only UUIDs as ids', async () => {
    expect(await codeOf(() => assertExportId(randomUUID()))).toBeUndefined();
    for (const bad of ['../x', '', 'abc', `${randomUUID()}/..`, `${randomUUID()}.json`, randomUUID().toUpperCase(), 5]) {
      expect(await codeOf(() => assertExportId(bad)), String(bad)).toBe('INVALID_INPUT');
    }
  });

  it('trims names, drops empty ones and refuses more than 200 characters', async () => {
    expect(normalizeExportName('  front door, 14:02  ')).toBe('front door, 14:02');
    expect(normalizeExportName('   ')).toBeUndefined();
    expect(normalizeExportName(undefined)).toBeUndefined();
    expect(normalizeExportName('x'.repeat(200))).toHaveLength(200);
    expect(await codeOf(() => normalizeExportName('x'.repeat(201)))).toBe('INVALID_INPUT');
    expect(await codeOf(() => normalizeExportName(42))).toBe('INVALID_INPUT');
  });
});

describe('ExportStore on hand-written exports', () => {
  const dirs: string[] = [];
  let store: ExportStore;
  afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  const record = (camera: string, segments: string[], createdAt: number): ExportRecord => ({
    id: randomUUID(),
    camera,
    fromMs: 1,
    toMs: 2,
    bytes: 3,
    durationS: 1,
    createdAt,
    segments,
  });
  const put = async (r: ExportRecord, withClip = true): Promise<void> => {
    await writeFile(join(store.dir, `${r.id}.json`), JSON.stringify(r));
    if (withClip) await writeFile(join(store.dir, `${r.id}.mp4`), 'mp4');
  };

  beforeEach(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'argus-exports-'));
    dirs.push(dir);
    store = new ExportStore({ dataDir: dir });
    await mkdir(store.dir, { recursive: true });
  });

  it('lists nothing before the first export', async () => {
    await rm(store.dir, { recursive: true });
    expect(await store.list()).toEqual([]);
    expect((await store.pinnedSegments()).size).toBe(0);
  });

  it('lists newest first, skips broken records, and pins the source segments of each', async () => {
    const older = record('lobby', ['20261125T160000+0000.mp4', '20261125T160010+0000.mp4'], 1000);
    const newer = record('door', ['20261125T170000+0000.mp4'], 2000);
    await put(older);
    await put(newer);
    await put(record('lobby', ['20261125T180000+0000.mp4'], 3000), false);
    await writeFile(join(store.dir, `${randomUUID()}.json`), '{not json');
    await writeFile(join(store.dir, 'notes.json'), JSON.stringify(older));
    expect((await store.list()).map((r) => r.id)).toEqual([newer.id, older.id]);
    expect((await store.get(older.id)).path).toBe(join(store.dir, `${older.id}.mp4`));
    expect([...(await store.pinnedSegments())].sort()).toEqual(['door/20261125T170000+0000.mp4', 'lobby/20261125T160000+0000.mp4', 'lobby/20261125T160010+0000.mp4']);
  });

  it('says INVALID_INPUT for a bad id and NOT_FOUND for an unknown one; remove deletes both files', async () => {
    const r = record('lobby', ['20261125T160000+0000.mp4'], 1000);
    await put(r);
    expect(await codeOf(() => store.get('../../etc/passwd'))).toBe('INVALID_INPUT');
    expect(await codeOf(() => store.remove('../x'))).toBe('INVALID_INPUT');
    expect(await codeOf(() => store.get(randomUUID()))).toBe('NOT_FOUND');
    expect(await codeOf(() => store.remove(randomUUID()))).toBe('NOT_FOUND');
    await store.remove(r.id);
    expect(existsSync(join(store.dir, `${r.id}.json`)) || existsSync(join(store.dir, `${r.id}.mp4`))).toBe(false);
    expect(await codeOf(() => store.get(r.id))).toBe('NOT_FOUND');
    expect(await codeOf(() => store.remove(r.id))).toBe('NOT_FOUND');
  });
});

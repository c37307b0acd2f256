// Runs the real `argus` binary, as a user would.
import { execFile } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '@argus/config';

const run = promisify(execFile);
const bin = resolve(import.meta.dirname, '..', 'bin', 'argus.mjs');
const fixtures = loadConfig().resolved.fixtures;

async function argus(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { maxBuffer: 32 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('argus faces', () => {
  it('prints one JSON line per image with boxes, landmarks, quality and embeddings, and fails at the end on a bad file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'argus-cli-'));
    const fake = join(dir, 'notes.jpg');
    writeFileSync(fake, 'plain text, not a JPEG');
    const { code, stdout } = await argus(['faces', '--json', '--embed', join(fixtures, 'groups/bbt3.jpg'), fake, join(fixtures, 'groups/no_face_white.png')]);
    expect(code).toBe(1);
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(3);
    expect(lines[0].file).toMatch(/bbt3\.jpg$/);
    expect(lines[0].faces).toHaveLength(5);
    const face = lines[0].faces[0];
    expect(face.box).toHaveLength(4);
    expect(face.landmarks).toHaveLength(5);
    expect(face.embedding).toHaveLength(512);
    expect(typeof face.quality).toBe('number');
    expect(typeof lines[0].ms).toBe('number');
    expect(lines[1]).toEqual({ file: fake, error: { code: 'IMAGE_UNREADABLE', message: expect.stringContaining('not a readable image') } });
    expect(lines[2].faces).toEqual([]);
  });

  it('prints a readable summary and exits 0 when every image was read', async () => {
    const { code, stdout } = await argus(['faces', join(fixtures, 'groups/bbt5.jpg')]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/bbt5\.jpg: 940x464, 5 faces in [\d.]+ ms/);
    expect(stdout).toMatch(/#1 box \d+,\d+ \d+x\d+ {2}score [\d.]+ {2}quality [\d.]+/);
  });

  it('explains usage errors', async () => {
    const none = await argus(['faces']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('give one or more image files');
    const unknown = await argus(['fly']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "fly"');
  });
});

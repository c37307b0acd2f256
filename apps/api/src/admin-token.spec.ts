import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AdminTokenError, resolveAdminToken } from './admin-token.ts';

describe('resolveAdminToken', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'argus-token-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('generates a token on first start, stores it with mode 0600, prints it once and reuses it', async () => {
    const printed: string[] = [];
    const dataDir = join(dir, 'data');
    const first = await resolveAdminToken({ configured: '', dataDir, print: (l) => printed.push(l) });
    expect(first.source).toBe('generated');
    expect(first.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(printed).toHaveLength(1);
    expect(printed[0]).toContain(first.token);
    const file = join(dataDir, 'admin-token');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await readFile(file, 'utf8')).trim()).toBe(first.token);

    const second = await resolveAdminToken({ configured: '', dataDir, print: (l) => printed.push(l) });
    expect(second).toMatchObject({ token: first.token, source: 'file' });
    expect(printed).toHaveLength(1);
  });

  it('prefers the configured token and writes nothing', async () => {
    const result = await resolveAdminToken({ configured: 'configured-token-0123456789', dataDir: dir, print: () => expect.unreachable() });
    expect(result).toEqual({ token: 'configured-token-0123456789', source: 'config' });
    await expect(stat(join(dir, 'admin-token'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses a short token, from config or from the file', async () => {
    await expect(resolveAdminToken({ configured: 'secret', dataDir: dir })).rejects.toBeInstanceOf(AdminTokenError);
    await writeFile(join(dir, 'admin-token'), 'abc\n');
    await expect(resolveAdminToken({ configured: '', dataDir: dir })).rejects.toThrow(/at least 16 characters/);
  });
});

// The real `argus` binary against a real api server (createServer on real Redis, the real face models, a temp
// data dir) on a free loopback port. Alerts are published to Redis directly here, standing in for ingest.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type ApiServer } from '@argus/api';
import { loadConfig, type LoadedConfig } from '@argus/config';
import { freeTcpPort as freePort } from '@argus/runtime';
import { AlertRepository } from '@argus/store';
import { withTestRedis } from '@argus/store/testing';
import { FaceAnalyzer } from '@argus/vision';

const run = promisify(execFile);
const bin = resolve(import.meta.dirname, '..', 'bin', 'argus.mjs');
const TOKEN = 'cli-test-admin-token-0123456789ab';
const redis = withTestRedis({ flushBeforeEach: false });

let dataDir: string;
let config: LoadedConfig;
let analyzer: FaceAnalyzer;
let server: ApiServer | undefined;
let port: number;
let base: string;
const children: ChildProcess[] = [];

async function startApi(): Promise<void> {
  server = await createServer({ config, redis: redis.client, analyzer, adminToken: TOKEN, log: pino({ level: 'silent' }) });
  await server.app.listen({ host: '127.0.0.1', port });
}

/** The CLI's environment: nothing of the caller's Argus settings, only what a test passes. */
function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ARGUS_') && k !== 'REDIS_URL'));
  return { ...env, ARGUS_DATA_DIR: dataDir, ARGUS_API_URL: base, ...extra };
}

async function argus(args: string[], env = cliEnv({ ARGUS_ADMIN_TOKEN: TOKEN })): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { env, maxBuffer: 8 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

const fixture = (relative: string) => join(config.resolved.fixtures, relative);

function publishAlert(personName: string): Promise<string> {
  return new AlertRepository(redis.client).publish({ camera: 'lobby', personId: `id-${personName}`, personName, score: 0.5, ts: Date.now(), trackId: `lobby-${personName}` });
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'argus-cli-api-'));
  config = loadConfig({ env: { ...process.env, ARGUS_DATA_DIR: dataDir, ARGUS_ADMIN_TOKEN: TOKEN, REDIS_URL: redis.url } });
  analyzer = await FaceAnalyzer.create(config);
  port = await freePort();
  base = `http://127.0.0.1:${port}`;
  await startApi();
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await server?.app.close();
  await analyzer?.dispose();
  await rm(dataDir, { recursive: true, force: true });
});

describe('argus enroll', () => {
  it('prints the accepted faces and each rejected file with its reason', async () => {
    const { code, stdout } = await argus(['enroll', '--name', 'Ada', fixture('faces/bbt/penny/2.png'), fixture('groups/bbt1.jpg'), fixture('groups/no_face_white.png')]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^enrolled Ada \(person [\w-]+\): 1 face accepted, 2 rejected$/m);
    expect(stdout).toMatch(/accepted {2}\S+penny\/2\.png {2}face [\w-]+ {2}quality 0\.\d\d/);
    expect(stdout).toMatch(/rejected {2}\S+groups\/bbt1\.jpg {2}SEVERAL_FACES: \d+ faces of similar size/);
    expect(stdout).toMatch(/rejected {2}\S+groups\/no_face_white\.png {2}NO_FACE: /);
    const persons = (await (await fetch(`${base}/api/watchlist`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { persons: Array<{ name: string; faceCount: number }> };
    expect(persons.persons.map((p) => [p.name, p.faceCount])).toEqual([['Ada', 1]]);
  });

  it('exits 1 and lists every reason when no photo is usable; nobody is enrolled', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'argus-cli-'));
    const notes = join(dir, 'notes.jpg');
    await writeFile(notes, 'plain text, not a JPEG');
    const { code, stdout, stderr } = await argus(['enroll', '--name', 'Nobody', notes, fixture('groups/no_face_white.png')]);
    expect(code).toBe(1);
    expect(stderr).toContain('Nobody was not enrolled: no photo was usable');
    expect(stdout).toMatch(/rejected {2}\S+notes\.jpg {2}NOT_AN_IMAGE: /);
    expect(stdout).toMatch(/rejected {2}\S+no_face_white\.png {2}NO_FACE: /);
    const persons = (await (await fetch(`${base}/api/watchlist`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { persons: Array<{ name: string }> };
    expect(persons.persons.map((p) => p.name)).toEqual(['Ada']);
    await rm(dir, { recursive: true, force: true });
  });

  it('explains a missing name or photo', async () => {
    const { code, stderr } = await argus(['enroll', fixture('faces/bbt/penny/2.png')]);
    expect(code).toBe(2);
    expect(stderr).toContain('give a name and one or more photos');
  });
});

describe('argus cameras', () => {
  it('adds, lists and removes a camera, with the api errors in words', async () => {
    const added = await argus(['cameras', 'add', 'lobby', 'rtsp://10.0.0.5:554/stream', '--name', 'Lobby', '--fps', '3', '--no-record']);
    expect(added).toMatchObject({ code: 0, stdout: expect.stringContaining('added camera lobby (rtsp://10.0.0.5:554/stream, 3 fps)') });
    const list = await argus(['cameras', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^ID +STATUS +ANALYSIS +RECORD +SOURCE +URL$/m);
    expect(list.stdout).toMatch(/^lobby +no worker +3 fps +- +api +rtsp:\/\/10\.0\.0\.5:554\/stream$/m);
    const json = await argus(['cameras', 'list', '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ cameras: [{ id: 'lobby', analysisFps: 3, record: false, status: null }] });

    const again = await argus(['cameras', 'add', 'lobby', 'rtsp://10.0.0.6/stream']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/argus cameras: CONFLICT: .*lobby/);
    const bad = await argus(['cameras', 'add', 'Bad Id', 'ftp://x']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/INVALID_REQUEST/);

    expect(await argus(['cameras', 'rm', 'lobby'])).toMatchObject({ code: 0, stdout: 'removed camera lobby\n' });
    const gone = await argus(['cameras', 'rm', 'lobby']);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/NOT_FOUND: .*lobby/);
    expect((await argus(['cameras'])).stdout).toContain('no cameras: add one with');
  });
});

describe('argus alerts', () => {
  it('lists recent alerts oldest first', async () => {
    const first = await publishAlert('penny');
    const second = await publishAlert('sheldon');
    const { code, stdout } = await argus(['alerts']);
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} {2}lobby {2}penny {2}score 0\\.50 {2}track lobby-penny {2}id ${first}$`));
    expect(lines[1]).toContain(`sheldon  score 0.50  track lobby-sheldon  id ${second}`);
    const limited = await argus(['alerts', '--limit', '1', '--json']);
    expect(JSON.parse(limited.stdout)).toMatchObject({ id: second, personName: 'sheldon' });
  });

  it('--follow prints each new alert once, across an api restart (reconnect with resume), until Ctrl-C', async () => {
    const child = spawn(process.execPath, [bin, 'alerts', '--follow', '--limit', '1'], { env: cliEnv({ ARGUS_ADMIN_TOKEN: TOKEN }) });
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    const until = async (what: string, ok: () => boolean, timeoutMs = 15_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!ok()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; stdout: ${stdout}; stderr: ${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    await until('the follower to connect', () => stderr.includes('following alerts at'));
    expect(stdout.trim().split('\n')).toHaveLength(1); // --limit 1: the newest alert listed first

    const live = await publishAlert('raj');
    await until('the live alert', () => stdout.includes(`id ${live}`));

    // The api goes away; an alert happens meanwhile; the api comes back and the follower catches up.
    await server!.app.close();
    await until('the follower to notice', () => /connection lost; reconnecting in 1 s/.test(stderr));
    const missed = await publishAlert('howard');
    await startApi();
    await until('the missed alert', () => stdout.includes(`id ${missed}`));
    const after = await publishAlert('leonard');
    await until('the next live alert', () => stdout.includes(`id ${after}`));

    const ids = stdout.trim().split('\n').map((l) => /id (\S+)$/.exec(l)?.[1]);
    expect(ids.slice(1)).toEqual([live, missed, after]);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });
});

describe('errors say what to do', () => {
  it('api not reachable: how to start it', async () => {
    const { code, stderr } = await argus(['cameras', 'list', '--api', `http://127.0.0.1:${await freePort()}`, '--token', TOKEN]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/cannot reach the Argus api at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\): start it with `npm start`/);
  });

  it('wrong token: where the token is', async () => {
    const { code, stderr } = await argus(['alerts', '--token', 'wrong-token-000000000000']);
    expect(code).toBe(1);
    expect(stderr).toContain(`refused the admin token (taken from --token)`);
    expect(stderr).toContain(join(dataDir, 'admin-token'));
  });

  it('reads the token from <data>/admin-token, and says so when there is none', async () => {
    const none = await argus(['alerts'], cliEnv());
    expect(none.code).toBe(1);
    expect(none.stderr).toContain(`no admin token: pass --token <token>, set ARGUS_ADMIN_TOKEN, or start the api once`);
    await writeFile(join(dataDir, 'admin-token'), `${TOKEN}\n`, { mode: 0o600 });
    const fromFile = await argus(['alerts', '--limit', '1'], cliEnv());
    expect(fromFile.code).toBe(0);
    expect(fromFile.stdout).toContain('leonard');
  });
});

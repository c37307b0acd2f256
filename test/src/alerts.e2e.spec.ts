// Issue #4, end to end: Redis, ingest and api run as separate processes exactly as in production, a fake RTSP
// camera streams BBT portraits, and the test talks to Argus only through HTTP and the /ws WebSocket.
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@argus/config';
import { alertListResponseSchema, cameraListResponseSchema, enrollResponseSchema, type WsServerMessage } from '@argus/protocol';
import { compareStreamIds } from '@argus/store';
import { makeFaceClip, startFakeCamera, type FaceClip, type FakeCamera } from '@argus/video';
import { AlertSocket } from './alert-socket.ts';
import { leftoverProcesses, startStack, type Stack } from './stack.ts';

const fixtures = loadConfig().resolved.fixtures;
// In the clip, each alone on screen for 3 s with 2 s gaps; only penny and sheldon are enrolled.
const IN_CLIP = ['penny', 'sheldon', 'raj', 'howard'];
const ENROLLED = ['penny', 'sheldon'];
const CAMERA = 'lobby';

let stack: Stack | undefined;
let clip: FaceClip;
let camera: FakeCamera | undefined;
let cameraLiveAt = 0;
const sockets: AlertSocket[] = [];
const personIds: Record<string, string> = {};
const faceCounts: Record<string, number> = {};

type Resumed = Extract<WsServerMessage, { type: 'resumed' }>;
const isAlert = (m: WsServerMessage): m is Extract<WsServerMessage, { type: 'alert' }> => m.type === 'alert';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const http = (path: string, init?: RequestInit): Promise<Response> => stack!.http(path, init);
const poll = <T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> => stack!.waitFor(what, timeoutMs, probe);

async function listAlerts() {
  const res = await http('/api/alerts?limit=1000');
  expect(res.status).toBe(200);
  return alertListResponseSchema.parse(await res.json()).alerts;
}

const wsUrl = () => `${stack!.apiUrl.replace(/^http/, 'ws')}/ws?token=${stack!.token}`;

beforeAll(async () => {
  [stack, clip] = await Promise.all([
    startStack({ ingest: true, env: { ARGUS_ALERTS__COOLDOWN_MS: '0' } }), // every appearance alerts
    makeFaceClip({ fixturesDir: fixtures, outDir: join(tmpdir(), 'argus-test-clips'), people: IN_CLIP.map((name) => ({ name, photo: 1 })), secondsPerPerson: 3, gapSeconds: 2 }),
  ]);
  camera = await startFakeCamera({ clip: clip.path });
});

afterAll(async () => {
  await Promise.all(sockets.map((s) => s.close()));
  const services = [stack?.api(), stack?.ingest()].filter((s) => s !== undefined);
  await stack?.stop();
  await camera?.stop();
  // Nothing may be left: no direct child, and no ffmpeg of the ingest worker (it names the camera URL).
  expect(leftoverProcesses(camera?.url)).toEqual([]);
  // SIGTERM is a clean shutdown for both apps.
  for (const s of services) expect({ name: s.name, ...(await s.exited) }).toEqual({ name: s.name, code: 0, signal: null });
});

describe('Argus end to end, over HTTP and WebSocket only', () => {
  it('enrolls two people from photos in one multipart POST /api/watchlist each', async () => {
    for (const name of ENROLLED) {
      const form = new FormData();
      form.append('name', name);
      for (let n = 2; n <= 5; n++) {
        const photo = await readFile(join(fixtures, `faces/bbt/${name}/${n}.png`));
        form.append('image', new Blob([photo], { type: 'image/png' }), `${name}-${n}.png`);
      }
      const res = await http('/api/watchlist', { method: 'POST', body: form });
      const body = enrollResponseSchema.parse(await res.json());
      expect(res.status).toBe(201);
      expect(body.name).toBe(name);
      // Every photo is accounted for: accepted, or rejected with a reason (penny's 3.png is turned away).
      expect(body.faces.length + body.rejected.length).toBe(4);
      expect(body.faces.length).toBeGreaterThanOrEqual(3);
      for (const r of body.rejected) expect(r.reason.length).toBeGreaterThan(10);
      personIds[name] = body.id;
      faceCounts[name] = body.faces.length;
    }
    const list = (await (await http('/api/watchlist')).json()) as { persons: Array<{ id: string; name: string; faceCount: number }> };
    expect(Object.fromEntries(list.persons.map((p) => [p.name, p.faceCount]))).toEqual(faceCounts);
  });

  it('adds the fake camera with POST /api/cameras; ingest picks it up and reports it live', async () => {
    // Listen before the camera exists, so the first appearances are seen live.
    sockets.push(await AlertSocket.connect(wsUrl()));
    const res = await http('/api/cameras', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: CAMERA, url: camera!.url, name: 'Lobby', analysisFps: 5, record: false }),
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ id: CAMERA, url: camera!.url, source: 'api' });
    const live = await poll('the camera to be reported live', 60_000, async () => {
      const { cameras } = cameraListResponseSchema.parse(await (await http('/api/cameras')).json());
      const lobby = cameras.find((c) => c.id === CAMERA);
      return lobby?.status?.state === 'live' ? lobby : undefined;
    });
    cameraLiveAt = Date.now();
    expect(live.status?.framesIn).toBeGreaterThan(0);
  });

  it('pushes the alerts of both enrolled people to the WebSocket client, as GET /api/alerts lists them', async () => {
    const socket = sockets[0]!;
    const loopMs = clip.durationS * 1000;
    for (const name of ENROLLED) {
      await socket.waitFor(`an alert for ${name}`, 2 * loopMs + 20_000, (m) => isAlert(m) && m.alert.personName === name);
    }
    const received = socket.alerts();
    const stored = new Map((await listAlerts()).map((a) => [a.id, a]));
    for (const alert of received) {
      expect(ENROLLED).toContain(alert.personName);
      expect(alert.personId).toBe(personIds[alert.personName]);
      expect(alert.camera).toBe(CAMERA);
      expect(stored.get(alert.id)).toMatchObject(alert);
    }
    expect(received.map((a) => a.id)).toEqual([...received.map((a) => a.id)].sort(compareStreamIds));
    expect(new Set(received.map((a) => a.id)).size).toBe(received.length);
    expect(socket.violations).toEqual([]);
  });

  it('after a disconnect, a reconnect with resume replays the missed alerts once each, in order, then live ones', async () => {
    const loopMs = clip.durationS * 1000;
    const first = sockets[0]!;
    const seenIds = first.alerts().map((a) => a.id);
    const lastSeen = seenIds.at(-1)!;
    await first.close();

    // Let at least one more alert happen while nobody listens (checked over HTTP).
    const missed = await poll('an alert while the client is away', loopMs + 20_000, async () => {
      const newer = (await listAlerts()).filter((a) => compareStreamIds(a.id, lastSeen) > 0);
      return newer.length > 0 ? newer.reverse() : undefined;
    });

    const second = await AlertSocket.connect(wsUrl());
    sockets.push(second);
    second.send({ type: 'resume', after: lastSeen });
    const resumed = await second.waitFor('the end of the replay', 15_000, (m): m is Resumed => m.type === 'resumed');
    const replayed = second.messages.slice(0, second.messages.indexOf(resumed)).filter(isAlert).map((m) => m.alert);

    // Exactly what the server holds after the last seen id, up to the end of the replay, oldest first.
    const expected = (await listAlerts())
      .filter((a) => compareStreamIds(a.id, lastSeen) > 0 && compareStreamIds(a.id, resumed.last ?? lastSeen) <= 0)
      .reverse();
    expect(replayed.map((a) => a.id)).toEqual(expected.map((a) => a.id));
    expect(resumed).toMatchObject({ after: lastSeen, count: replayed.length, last: replayed.at(-1)?.id });
    for (const m of missed) expect(replayed.filter((a) => a.id === m.id)).toHaveLength(1);
    for (const a of replayed) expect(expected.find((e) => e.id === a.id)).toMatchObject(a);

    // Live alerts flow again afterwards, none of them a repeat.
    await second.waitFor('a live alert after the replay', loopMs + 20_000, (m) => isAlert(m) && compareStreamIds(m.alert.id, resumed.last!) > 0);
    const ids = second.alerts().map((a) => a.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual([...ids].sort(compareStreamIds));
    expect(ids.filter((id) => seenIds.includes(id))).toEqual([]);
    expect(second.violations).toEqual([]);

    // Nobody else alerted: by now the clip has played in full (raj and howard were on screen, unenrolled).
    await sleep(Math.max(0, cameraLiveAt + loopMs - Date.now()));
    const everyone = new Set((await listAlerts()).map((a) => a.personName));
    expect(everyone).toEqual(new Set(ENROLLED));
  });
});

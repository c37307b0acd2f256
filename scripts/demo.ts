// `npm run demo`: Argus with a camera you do not have to own. Starts a fake RTSP camera on loopback that
// loops a clip of BBT cast portraits, runs the product (scripts/start.ts), adds the camera and enrols two
// of the people (from photos that are not in the clip), so alerts appear within seconds.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '@argus/config';
import { CameraRepository, WatchlistRepository, connectRedis, silentLog, type RedisClient } from '@argus/store';
import { makeFaceClip, startFakeCamera } from '@argus/video';
import { FaceAnalyzer } from '@argus/vision';

const log = (msg: string): void => void process.stdout.write(`[demo] ${msg}\n`);
const IN_CLIP = ['penny', 'sheldon', 'raj', 'howard'];
const ENROLLED = ['penny', 'sheldon'];

async function waitForRedis(url: string, timeoutMs: number): Promise<RedisClient> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await connectRedis(url, { log: silentLog, connectTimeoutMs: 2000 });
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(500);
    }
  }
}

async function main(): Promise<void> {
  const config = loadConfig();
  log('building the demo clip from the BBT photos (cached after the first run) ...');
  const clip = await makeFaceClip({
    fixturesDir: config.resolved.fixtures,
    outDir: join(config.resolved.data, 'demo'),
    people: IN_CLIP.map((name) => ({ name, photo: 1 })),
    secondsPerPerson: 4,
    gapSeconds: 2,
  });
  const camera = await startFakeCamera({ clip: clip.path });
  log(`fake camera streaming ${IN_CLIP.join(', ')} at ${camera.url}`);

  const redisUrl = config.redis.url || `redis://127.0.0.1:${process.env.ARGUS_REDIS_PORT ?? 6379}`;
  const product = spawn(process.execPath, ['--import', 'tsx', join(config.resolved.root, 'scripts', 'start.ts')], {
    stdio: 'inherit',
    env: process.env,
    // Its own process group: a Ctrl-C reaches only us, and we forward it once.
    detached: true,
  });
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    product.kill('SIGINT');
    await new Promise((r) => product.once('exit', r));
    await camera.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  product.once('exit', (code) => {
    if (!stopping) {
      log(`Argus exited (${code}); stopping the fake camera`);
      void camera.stop().then(() => process.exit(code ?? 1));
    }
  });

  const redis = await waitForRedis(redisUrl, 60_000);
  await new CameraRepository(redis).upsert({ id: 'demo', name: 'Demo camera', url: camera.url, analysisFps: 5, record: true });
  const watchlist = new WatchlistRepository(redis);
  const existing = new Set((await watchlist.listPersons()).map((p) => p.name));
  const analyzer = await FaceAnalyzer.create(config);
  for (const name of ENROLLED.filter((n) => !existing.has(n))) {
    const person = await watchlist.createPerson({ name, notes: 'demo watchlist entry' });
    for (let i = 2; i <= 5; i++) {
      const { faces } = await analyzer.analyzeEncoded(readFileSync(join(config.resolved.fixtures, `faces/bbt/${name}/${i}.png`)), { embed: true });
      const face = faces[0];
      if (face?.embedding) await watchlist.addFace({ personId: person.id, embedding: face.embedding, quality: face.quality.score, imagePath: '' });
    }
    log(`enrolled ${name}`);
  }
  await analyzer.dispose();
  await watchlist.close();
  await redis.quit();
  log(`camera "demo" added; ${ENROLLED.join(' and ')} are on the watchlist: alerts appear in the ingest log (and in argus:alerts). Ctrl-C stops everything.`);
}

main().catch((err: unknown) => {
  process.stderr.write(`[demo] ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});

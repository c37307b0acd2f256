// `npm start` runs this for the ingest app: camera workers until SIGTERM/SIGINT.
import { loadConfig } from '@argus/config';
import { createLogger, runMain, stopOnSignals } from '@argus/runtime';
import { connectRedis } from '@argus/store';
import { FaceAnalyzer } from '@argus/vision';
import { IngestService } from './ingest.service.ts';

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger('ingest', config.log.level);
  if (!config.redis.url) {
    log.fatal('no Redis configured: set REDIS_URL (npm start does this and runs a local Redis for you)');
    process.exitCode = 2;
    return;
  }
  const redis = await connectRedis(config.redis.url, { log, name: 'argus-ingest' });
  const analyzer = await FaceAnalyzer.create(config, log);
  const service = new IngestService({ config, redis, analyzer, log });
  if (config.ingest.metricsPort > 0) {
    const { port } = await service.metrics.serve(config.ingest.metricsPort);
    log.info(`metrics on http://127.0.0.1:${port}/metrics`);
  }
  await service.start();
  stopOnSignals({
    log,
    graceMs: 15_000,
    stop: async () => {
      await service.stop();
      await analyzer.dispose();
      await redis.quit().catch(() => undefined);
    },
  });
}

runMain('ingest', main);

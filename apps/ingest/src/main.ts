// `npm start` runs this for the ingest app: camera workers until SIGTERM/SIGINT.
import { ConfigError, loadConfig } from '@argus/config';
import { connectRedis } from '@argus/store';
import { FaceAnalyzer } from '@argus/vision';
import { createLogger } from './logger.ts';
import { IngestService } from './ingest.service.ts';

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.log.level, 'ingest');
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
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal}: stopping cameras`);
    const force = setTimeout(() => {
      log.error('shutdown took longer than 15 s; exiting');
      process.exit(1);
    }, 15_000);
    force.unref();
    await service.stop();
    await analyzer.dispose();
    await redis.quit().catch(() => undefined);
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) console.error(`ingest: ${err.message}`);
  else console.error(`ingest: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
});

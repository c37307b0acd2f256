// `npm start` runs this for the api app: the HTTP + WebSocket server until SIGTERM/SIGINT.
import { ConfigError, loadConfig } from '@argus/config';
import { connectRedis } from '@argus/store';
import { FaceAnalyzer } from '@argus/vision';
import pino from 'pino';
import { resolveAdminToken } from './admin-token.ts';
import { createServer } from './server.ts';

async function main(): Promise<void> {
  const config = loadConfig();
  const log = pino({ name: 'api', level: config.log.level, base: { pid: process.pid } });
  if (!config.redis.url) {
    log.fatal('no Redis configured: set REDIS_URL (npm start does this and runs a local Redis for you)');
    process.exitCode = 2;
    return;
  }
  const { token, source, file } = await resolveAdminToken({ configured: config.auth.adminToken, dataDir: config.resolved.data });
  log.info(source === 'config' ? 'admin token from config (auth.admin_token / ARGUS_ADMIN_TOKEN)' : `admin token from ${file}`);
  const redis = await connectRedis(config.redis.url, { log, name: 'argus-api' });
  const analyzer = await FaceAnalyzer.create(config, log);
  const { app } = await createServer({ config, redis, analyzer, adminToken: token, log });
  const address = await app.listen({ host: config.api.host, port: config.api.port });
  log.info(`api listening on ${address} (OpenAPI at ${address}/api/openapi.json, WebSocket at ${address.replace(/^http/, 'ws')}/ws)`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal}: stopping`);
    const force = setTimeout(() => {
      log.error('shutdown took longer than 10 s; exiting');
      process.exit(1);
    }, 10_000);
    force.unref();
    await app.close();
    await analyzer.dispose();
    await redis.quit().catch(() => undefined);
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) console.error(`api: ${err.message}`);
  else console.error(`api: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
});

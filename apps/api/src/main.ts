// `npm start` runs this for the api app: the HTTP + WebSocket server until SIGTERM/SIGINT.
import { loadConfig } from '@argus/config';
import { createLogger, runMain, stopOnSignals } from '@argus/runtime';
import { connectRedis } from '@argus/store';
import { FaceAnalyzer } from '@argus/vision';
import { resolveAdminToken } from './admin-token.ts';
import { createServer } from './server.ts';

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger('api', config.log.level);
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

  stopOnSignals({
    log,
    graceMs: 10_000,
    stop: async () => {
      await app.close();
      await analyzer.dispose();
      await redis.quit().catch(() => undefined);
    },
  });
}

runMain('api', main);

// Entry point of `npm start`: Next.js (built by `next build`) behind the dashboard server, which signs the operator
// in and proxies /api and /ws to the api. Run with `node --import tsx server.ts` from apps/dashboard.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import next from 'next';
import { ConfigError, loadConfig } from '@argus/config';
import { createDashboardServer } from './src/server/dashboard-server.ts';

function apiBaseUrl(config: ReturnType<typeof loadConfig>): URL {
  if (config.dashboard.apiUrl !== '') return new URL(config.dashboard.apiUrl);
  return new URL(`http://127.0.0.1:${config.api.port}`);
}

async function main(): Promise<void> {
  const config = loadConfig();
  const dev = process.env.ARGUS_DASHBOARD_DEV === '1';
  const dir = dirname(fileURLToPath(import.meta.url));
  const { host, port } = config.dashboard;
  const app = next({ dev, dir, hostname: host, port });
  await app.prepare();
  const handle = app.getRequestHandler();
  const upgrade = dev ? app.getUpgradeHandler() : undefined;
  const apiUrl = apiBaseUrl(config);
  const server = createDashboardServer({
    apiUrl,
    handleNext: (req, res) => handle(req, res),
    ...(upgrade ? { upgradeNext: (req, socket, head) => upgrade(req, socket, head) } : {}),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  server.on('error', (err: NodeJS.ErrnoException) => {
    process.stderr.write(`dashboard: cannot listen on ${host}:${port} (${err.code ?? err.message}): set dashboard.port / ARGUS_DASHBOARD__PORT to a free port\n`);
    process.exit(1);
  });
  server.listen(port, host, () => {
    const address = server.address();
    const actualPort = typeof address === 'object' && address ? address.port : port;
    process.stdout.write(`dashboard: proxying /api and /ws to ${apiUrl.origin}\n`);
    process.stdout.write(`dashboard listening on http://${host}:${actualPort}\n`);
  });
  const stop = (): void => {
    server.close();
    server.closeAllConnections();
    void app.close?.().finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 3_000).unref();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: Error) => {
  if (err instanceof ConfigError) process.stderr.write(`dashboard: ${err.message}\n`);
  else if (/Could not find a production build/.test(err.message)) {
    process.stderr.write(`dashboard: no production build in apps/dashboard/.next: run \`npm run build -w @argus/dashboard\` first\n`);
  } else process.stderr.write(`dashboard: failed to start: ${err.stack ?? err.message}\n`);
  process.exit(1);
});

#!/usr/bin/env node
// Prepares a machine to run Argus: Debian packages, npm dependencies, model files; run by `npm start`,
// `npm test` and `npm run setup`. Plain Node with no npm dependencies (it runs before `npm ci`), idempotent,
// and fast when nothing is missing: one dpkg-query, two stat calls and a hash of ~9 MB of models.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { verifyModels } from './fetch-models.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const quiet = process.argv.includes('--quiet');
const isCi = process.env.CI === 'true' || process.env.CI === '1';
const started = Date.now();

/** Debian packages and why Argus needs them. Playwright (with the dashboard) uses this chromium, no browser download. */
const APT_PACKAGES = {
  ffmpeg: 'camera decoding, recording and clips',
  'redis-server': 'state, alerts and sightings (`npm start` runs a local one)',
  chromium: 'headless browser for the dashboard end-to-end tests',
  'python3-gi': 'fake RTSP camera used by the tests (GStreamer RTSP server via PyGObject)',
  'gir1.2-gst-rtsp-server-1.0': 'fake RTSP camera',
  'gstreamer1.0-plugins-base': 'fake RTSP camera',
  'gstreamer1.0-plugins-good': 'fake RTSP camera (udpsrc, rtpjitterbuffer, rtph264pay)',
  'gstreamer1.0-plugins-bad': 'fake RTSP camera (h264parse)',
  'gstreamer1.0-plugins-ugly': 'fake RTSP camera (x264enc)',
  // node-gyp builds hnswlib-node during `npm ci`; a minimal Debian image has none of these.
  python3: 'node-gyp (builds hnswlib-node)',
  make: 'node-gyp (builds hnswlib-node)',
  'g++': 'node-gyp (builds hnswlib-node)',
};
/** The binaries that stand for the packages on a system without dpkg. */
const BINARIES = ['ffmpeg', 'redis-server', 'chromium', 'make', 'g++', 'python3'];

class SetupError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

const say = (msg) => {
  if (!quiet) process.stdout.write(`[setup] ${msg}\n`);
};
/** Progress of work actually being done: shown even with --quiet. */
const act = (msg) => process.stdout.write(`[setup] ${msg}\n`);

function run(cmd, args, env = process.env) {
  act(`$ ${[cmd, ...args].join(' ')}`);
  const res = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env });
  if (res.error) throw new SetupError('SETUP_COMMAND_FAILED', `${cmd} could not start: ${res.error.message}`);
  if (res.status !== 0) {
    throw new SetupError('SETUP_COMMAND_FAILED', `\`${[cmd, ...args].join(' ')}\` failed (exit ${res.status ?? res.signal})`);
  }
}

const onPath = (bin) => (process.env.PATH ?? '').split(delimiter).some((dir) => dir && existsSync(join(dir, bin)));

function checkNode() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 20 || (major === 20 && minor < 10)) {
    throw new SetupError('SETUP_NODE_TOO_OLD', `Node ${process.versions.node} is too old: Argus needs Node 20.10 or newer (see "engines" in package.json).`);
  }
}

function missingAptPackages(names) {
  const res = spawnSync('dpkg-query', ['-W', '-f=${Package} ${Status}\n', ...names], { encoding: 'utf8' });
  // dpkg-query exits 1 when some name is unknown to dpkg; the installed ones are still listed on stdout.
  const installed = new Set(
    (res.stdout ?? '')
      .split('\n')
      .map((line) => line.split(' '))
      // "<name> install ok installed" ("hold ok installed" counts too; "deinstall ok config-files" does not)
      .filter((f) => f[3] === 'installed')
      .map((f) => f[0].split(':')[0]),
  );
  return names.filter((n) => !installed.has(n));
}

function aptPackages() {
  const names = Object.keys(APT_PACKAGES);
  if (!onPath('dpkg-query')) {
    // Not Debian or Ubuntu: we cannot install for you, but we can say what is missing.
    const missing = BINARIES.filter((b) => !onPath(b));
    if (missing.length === 0) return say('system packages: not a Debian system; the needed binaries are on PATH');
    throw new SetupError(
      'SETUP_SYSTEM_PACKAGES_MISSING',
      `not a Debian system and these are not on PATH: ${missing.join(', ')}. Install them with your package manager ` +
        '(plus the GStreamer RTSP server with PyGObject for the tests), then run `npm run setup` again.',
    );
  }
  let missing = missingAptPackages(names);
  if (missing.length === 0) return say(`system packages: all ${names.length} installed`);
  const install = ['install', '-y', '--no-install-recommends', ...missing];
  act(`system packages missing: ${missing.join(', ')}`);
  if (process.getuid?.() !== 0) {
    throw new SetupError(
      'SETUP_SYSTEM_PACKAGES_MISSING',
      `installing them needs root. Run:\n\n  sudo apt-get update && sudo apt-get ${install.join(' ')}\n\nthen run \`npm run setup\` again.`,
    );
  }
  run('apt-get', ['update']);
  run('apt-get', install, { ...process.env, DEBIAN_FRONTEND: 'noninteractive' });
  missing = missingAptPackages(names);
  if (missing.length) throw new SetupError('SETUP_SYSTEM_PACKAGES_MISSING', `still missing after apt-get install: ${missing.join(', ')}`);
  act('system packages installed');
}

function npmDependencies() {
  const lock = join(root, 'package-lock.json');
  const hidden = join(root, 'node_modules', '.package-lock.json');
  // npm rewrites node_modules/.package-lock.json after package-lock.json on every install, so an older
  // one means the lockfile changed since (git pull, a branch switch, another engineer's install).
  if (existsSync(hidden) && statSync(hidden).mtimeMs >= statSync(lock).mtimeMs) return say('npm dependencies: up to date');
  act(existsSync(hidden) ? 'npm dependencies: package-lock.json changed since the last install' : 'npm dependencies: not installed yet');
  const env = { ...process.env, npm_config_update_notifier: 'false' };
  // onnxruntime-node's postinstall would download CUDA binaries from a host outside the npm registry and fail
  // the whole install. Skip it unless the user asked for them (ONNXRUNTIME_NODE_INSTALL=cuda12, see README).
  if (!env.ONNXRUNTIME_NODE_INSTALL && !env.npm_config_onnxruntime_node_install) env.ONNXRUNTIME_NODE_INSTALL = 'skip';
  // In CI an install script not listed in package.json "allowScripts" fails the build instead of warning.
  run('npm', isCi ? ['ci', '--strict-allow-scripts'] : ['ci'], env);
}

function models() {
  const problems = verifyModels();
  if (problems.length === 0) return say('models: all verified (sha256)');
  act(`models: ${problems.join('; ')}`);
  run(process.execPath, [join(root, 'scripts', 'fetch-models.mjs'), ...(quiet ? ['--quiet'] : [])]);
}

/** Newest modification time (ms) of the files under `path`, skipping build output and dependencies. */
function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules' || entry === '.next' || entry === '.turbo' || entry.startsWith('.')) continue;
    newest = Math.max(newest, newestMtime(join(path, entry)));
  }
  return newest;
}

/** The dashboard's production build (`next build`), redone when its sources or the shared types changed. */
function dashboard() {
  const app = join(root, 'apps', 'dashboard');
  if (!existsSync(join(app, 'package.json'))) return say('dashboard: not part of this checkout');
  const buildId = join(app, '.next', 'BUILD_ID');
  const sources = Math.max(newestMtime(app), newestMtime(join(root, 'packages', 'protocol', 'src')), statSync(join(root, 'package-lock.json')).mtimeMs);
  if (existsSync(buildId) && statSync(buildId).mtimeMs >= sources) return say('dashboard: build up to date');
  act(existsSync(buildId) ? 'dashboard: sources changed since the last build; building' : 'dashboard: building (next build, about a minute)');
  run('npm', ['run', 'build', '--workspace', '@argus/dashboard'], { ...process.env, NEXT_TELEMETRY_DISABLED: '1' });
}

// Steps run in order; each checks first and acts only when something is missing. Playwright needs nothing
// here: it drives /usr/bin/chromium from the apt list.
const STEPS = [checkNode, aptPackages, npmDependencies, models, dashboard];

try {
  for (const step of STEPS) step();
  say(`ready (${((Date.now() - started) / 1000).toFixed(2)} s)`);
} catch (err) {
  if (!(err instanceof SetupError)) throw err;
  process.stderr.write(`[setup] error (${err.code}): ${err.message}\n`);
  process.exitCode = 1;
}

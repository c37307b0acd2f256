// Loads config/default.yaml, merges an optional override file (ARGUS_CONFIG) and ARGUS_* variables,
// converts snake_case keys to camelCase and validates the result, reporting every bad key at once.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { configSchema, type ArgusConfig } from './schema.ts';

/** The repository root: where config/default.yaml lives. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Tree = Record<string, unknown>;

/** Maps whose keys are user data (camera ids) and must not be case-converted. */
const ID_MAPS = new Set(['cameras']);

const SHORTCUTS: Record<string, string[]> = {
  REDIS_URL: ['redis', 'url'],
  ARGUS_FIXTURES: ['paths', 'fixtures'],
  ARGUS_DATA_DIR: ['paths', 'data'],
  ARGUS_MODELS_DIR: ['paths', 'models'],
  ARGUS_ADMIN_TOKEN: ['auth', 'admin_token'],
  ARGUS_LOG_LEVEL: ['log', 'level'],
};

const camel = (key: string): string => key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const snake = (key: string): string => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const isTree = (v: unknown): v is Tree => typeof v === 'object' && v !== null && !Array.isArray(v);

function camelizeKeys(value: unknown, parentIsIdMap = false): unknown {
  if (Array.isArray(value)) return value.map((v) => camelizeKeys(v));
  if (!isTree(value)) return value;
  const out: Tree = {};
  for (const [k, v] of Object.entries(value)) {
    const key = parentIsIdMap ? k : camel(k);
    out[key] = camelizeKeys(v, !parentIsIdMap && ID_MAPS.has(key));
  }
  return out;
}

export function deepMerge(base: Tree, over: Tree): Tree {
  const out: Tree = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isTree(b) && isTree(v) ? deepMerge(b, v) : v;
  }
  return out;
}

function setPath(tree: Tree, path: string[], value: unknown): void {
  let node = tree;
  for (const key of path.slice(0, -1)) {
    if (!isTree(node[key])) node[key] = {};
    node = node[key] as Tree;
  }
  node[path[path.length - 1]!] = value;
}

/** An environment value: YAML scalar/flow syntax ("9090", "true", "[cuda, cpu]") or a comma list. */
function parseEnvValue(raw: string, current: unknown): unknown {
  if (Array.isArray(current) && !raw.trim().startsWith('[')) {
    return raw.split(',').map((s) => s.trim()).filter(Boolean).map((s) => parseEnvValue(s, undefined));
  }
  if (typeof current === 'string') return raw;
  try {
    return parseYaml(raw) ?? raw;
  } catch {
    return raw;
  }
}

function getPath(tree: Tree, path: string[]): unknown {
  let node: unknown = tree;
  for (const key of path) node = isTree(node) ? node[key] : undefined;
  return node;
}

/** ARGUS_API__PORT=9090 -> {api: {port: 9090}}; ARGUS_CAMERAS__LOBBY__URL sets cameras.lobby.url. */
export function envOverrides(env: NodeJS.ProcessEnv, base: Tree): Tree {
  const out: Tree = {};
  for (const [name, raw] of Object.entries(env)) {
    if (raw === undefined) continue;
    let path: string[] | undefined = SHORTCUTS[name];
    if (!path && name.startsWith('ARGUS_') && name.includes('__')) {
      path = name.slice('ARGUS_'.length).split('__').map((s) => s.toLowerCase());
    }
    if (!path) continue;
    if (name === 'REDIS_URL' && raw === '') continue;
    setPath(out, path, parseEnvValue(raw, getPath(base, path)));
  }
  return out;
}

function readYaml(file: string): Tree {
  let parsed: unknown;
  try {
    parsed = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError([`${file}: ${(err as Error).message}`]);
  }
  if (parsed == null) return {};
  if (!isTree(parsed)) throw new ConfigError([`${file}: the top level must be a mapping of sections`]);
  return parsed;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String);
  const key = path.map((p, i) => (i > 0 && path[0] === 'cameras' && i === 1 ? p : snake(p))).join('.');
  const envName = `ARGUS_${path.filter((p) => !/^\d+$/.test(p)).map((p) => snake(p).toUpperCase()).join('__')}`;
  const where = `${key || '(top level)'} (env ${envName})`;
  switch (issue.code) {
    case 'invalid_value':
      return `${where}: ${issue.input === undefined ? 'nothing' : JSON.stringify(issue.input)} is not allowed; allowed values: ${issue.values.map(String).join(' | ')}`;
    case 'unrecognized_keys': {
      const prefix = key ? `${key}.` : '';
      return `${issue.keys.map((k) => `${prefix}${snake(k)}`).join(', ')}: unknown key (check the spelling against config/default.yaml)`;
    }
    case 'invalid_type':
      return `${where}: expected ${issue.expected}, got ${issue.input === undefined ? 'nothing (the key is missing)' : JSON.stringify(issue.input)}`;
    default:
      return `${where}: ${issue.message}`;
  }
}

export interface LoadConfigOptions {
  /** Extra overrides (already camelCase), applied last; handy in tests. */
  overrides?: Tree;
  env?: NodeJS.ProcessEnv;
  /** An override file; defaults to $ARGUS_CONFIG. */
  file?: string;
}

export interface LoadedConfig extends ArgusConfig {
  /** Absolute forms of `paths`, resolved against the repo root. */
  resolved: { data: string; models: string; fixtures: string; root: string };
}

export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const defaultFile = join(repoRoot, 'config', 'default.yaml');
  if (!existsSync(defaultFile)) throw new ConfigError([`${defaultFile} is missing: it holds every default`]);
  let tree = readYaml(defaultFile);
  const file = options.file ?? env.ARGUS_CONFIG;
  if (file) {
    const path = isAbsolute(file) ? file : resolve(process.cwd(), file);
    if (!existsSync(path)) throw new ConfigError([`ARGUS_CONFIG names ${path}, which does not exist`]);
    tree = deepMerge(tree, readYaml(path));
  }
  tree = deepMerge(tree, envOverrides(env, tree));
  let camel = camelizeKeys(tree) as Tree;
  if (options.overrides) camel = deepMerge(camel, options.overrides);
  const result = configSchema.safeParse(camel, { reportInput: true });
  if (!result.success) throw new ConfigError(result.error.issues.map(describeIssue));
  const cfg = result.data;
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(repoRoot, p));
  return {
    ...cfg,
    resolved: { data: abs(cfg.paths.data), models: abs(cfg.paths.models), fixtures: abs(cfg.paths.fixtures), root: repoRoot },
  };
}

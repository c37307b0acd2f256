// The CLI's view of the Argus HTTP API: where the server is, which token to send, and one `request` that turns
// every failure (api down, wrong token, an error body) into a CliError whose message says what to do next.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LoadedConfig } from '@argus/config';
import { errorBodySchema } from '@argus/protocol';
import type { z } from 'zod';

export type CliErrorCode = 'API_UNREACHABLE' | 'UNAUTHORIZED' | 'NO_TOKEN' | 'API_ERROR' | 'BAD_RESPONSE' | 'INVALID_ARGUMENT' | 'FILE_NOT_FOUND';

export class CliError extends Error {
  constructor(
    readonly code: CliErrorCode,
    message: string,
    /** The server's error code (NOT_FOUND, CONFLICT, ...) when the api answered with an error body. */
    readonly apiCode?: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export const ADMIN_TOKEN_FILE = 'admin-token';

export interface ApiTargetOptions {
  /** --api */
  api?: string;
  /** --token */
  token?: string;
  env: NodeJS.ProcessEnv;
  config: LoadedConfig;
}

/** Server URL and token: --api / ARGUS_API_URL / the configured port; --token / ARGUS_ADMIN_TOKEN (via config) / <data>/admin-token. */
export async function resolveApiTarget(options: ApiTargetOptions): Promise<{ base: string; token: string; tokenFrom: string; tokenFile: string }> {
  const raw = options.api ?? options.env.ARGUS_API_URL ?? `http://127.0.0.1:${options.config.api.port}`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CliError('INVALID_ARGUMENT', `"${raw}" is not a URL: pass the api as --api http://127.0.0.1:8080 (or set ARGUS_API_URL)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CliError('INVALID_ARGUMENT', `${raw}: the api URL must start with http:// or https://`);
  const base = url.href.replace(/\/+$/, '');
  const tokenFile = join(options.config.resolved.data, ADMIN_TOKEN_FILE);
  if (options.token) return { base, token: options.token, tokenFrom: '--token', tokenFile };
  if (options.config.auth.adminToken) return { base, token: options.config.auth.adminToken, tokenFrom: 'ARGUS_ADMIN_TOKEN / auth.admin_token', tokenFile };
  try {
    const token = (await readFile(tokenFile, 'utf8')).trim();
    if (token) return { base, token, tokenFrom: tokenFile, tokenFile };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  throw new CliError(
    'NO_TOKEN',
    `no admin token: pass --token <token>, set ARGUS_ADMIN_TOKEN, or start the api once (\`npm start\`) so that it writes ${tokenFile}`,
  );
}

export interface RequestOptions<T> {
  /** A JSON body (sent as application/json). */
  json?: unknown;
  /** A multipart body. */
  form?: FormData;
  /** Parses a successful answer; omitted for answers without a body (204). */
  schema?: z.ZodType<T>;
}

export class ApiClient {
  constructor(
    readonly base: string,
    private readonly token: string,
    private readonly tokenFrom: string,
    private readonly tokenFile: string,
  ) {}

  static async create(options: ApiTargetOptions): Promise<ApiClient> {
    const target = await resolveApiTarget(options);
    return new ApiClient(target.base, target.token, target.tokenFrom, target.tokenFile);
  }

  /** ws://.../ws?token=... for the alert gateway. */
  get wsUrl(): string {
    return `${this.base.replace(/^http/, 'ws')}/ws?token=${encodeURIComponent(this.token)}`;
  }

  async request<T>(method: string, path: string, options: RequestOptions<T> = {}): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}` };
    let body: string | FormData | undefined;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.form) {
      body = options.form;
    }
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
    } catch (err) {
      throw this.unreachable(err);
    }
    if (res.status === 401) throw this.unauthorized();
    if (!res.ok) {
      const text = await res.text();
      const parsed = errorBodySchema.safeParse(safeJson(text));
      if (parsed.success) {
        const { code, message, details, correlationId } = parsed.data.error;
        throw new CliError('API_ERROR', `${code}: ${message}${correlationId ? ` (correlation id ${correlationId})` : ''}`, code, details);
      }
      throw new CliError('API_ERROR', `${method} ${path} failed with HTTP ${res.status}: ${text.slice(0, 200)}`);
    }
    if (!options.schema) return undefined as T;
    const parsed = options.schema.safeParse(safeJson(await res.text()));
    if (!parsed.success) throw new CliError('BAD_RESPONSE', `${method} ${path}: the api answered something this CLI does not understand (${parsed.error.message}); are the CLI and the api the same version?`);
    return parsed.data;
  }

  unreachable(err: unknown): CliError {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    return new CliError(
      'API_UNREACHABLE',
      `cannot reach the Argus api at ${this.base} (${cause?.code ?? cause?.message ?? (err as Error).message}): start it with \`npm start\` ` +
        `(or \`npm start -w @argus/api\`), or point --api / ARGUS_API_URL at the running server`,
    );
  }

  unauthorized(): CliError {
    return new CliError(
      'UNAUTHORIZED',
      `the api at ${this.base} refused the admin token (taken from ${this.tokenFrom}): use the token the api printed on its first start, ` +
        `stored in ${this.tokenFile} on the api's machine, and pass it with --token or ARGUS_ADMIN_TOKEN`,
    );
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

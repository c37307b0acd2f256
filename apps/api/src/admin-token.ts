// The admin token of the first auth version: from config (auth.admin_token, or ARGUS_ADMIN_TOKEN), else
// read from <data>/admin-token, else generated once, stored there with mode 0600 and printed once.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const ADMIN_TOKEN_FILE = 'admin-token';
/** Tokens shorter than this are refused: a guessable token is worse than none. */
export const MIN_TOKEN_LENGTH = 16;

export type AdminTokenSource = 'config' | 'file' | 'generated';

export class AdminTokenError extends Error {
  readonly code = 'ADMIN_TOKEN_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'AdminTokenError';
  }
}

export interface ResolveAdminTokenOptions {
  /** config.auth.adminToken ("" when unset). */
  configured: string;
  /** config.resolved.data */
  dataDir: string;
  /** Where a generated token is shown, once. Default: stdout. */
  print?: (line: string) => void;
}

function check(token: string, where: string): string {
  const t = token.trim();
  if (t.length < MIN_TOKEN_LENGTH || /\s/.test(t)) {
    throw new AdminTokenError(`${where}: the admin token must be at least ${MIN_TOKEN_LENGTH} characters without spaces (e.g. \`openssl rand -hex 24\`)`);
  }
  return t;
}

export async function resolveAdminToken(options: ResolveAdminTokenOptions): Promise<{ token: string; source: AdminTokenSource; file?: string }> {
  if (options.configured !== '') return { token: check(options.configured, 'auth.admin_token / ARGUS_ADMIN_TOKEN'), source: 'config' };
  const file = join(options.dataDir, ADMIN_TOKEN_FILE);
  try {
    return { token: check(await readFile(file, 'utf8'), file), source: 'file', file };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const token = randomBytes(24).toString('base64url');
  await mkdir(options.dataDir, { recursive: true });
  try {
    // 'wx': two api processes starting at once must not overwrite each other's token.
    await writeFile(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return { token: check(await readFile(file, 'utf8'), file), source: 'file', file };
    throw err;
  }
  await chmod(file, 0o600); // the umask may have narrowed it, never widened; make it exact
  const print = options.print ?? ((line: string) => void process.stdout.write(`${line}\n`));
  print(`argus api: generated an admin token (stored in ${file}, shown only this once):\n\n    ${token}\n\nUse it as "Authorization: Bearer <token>" or set ARGUS_ADMIN_TOKEN to choose your own.`);
  return { token, source: 'generated', file };
}

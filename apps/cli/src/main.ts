// The `argus` command line. Subcommands parse their own flags with node:util parseArgs.
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '@argus/config';
import { runAlerts, parseLimit } from './alerts.command.ts';
import { ApiClient, CliError } from './api-client.ts';
import { addCamera, listCameras, removeCamera } from './cameras.command.ts';
import { runEnroll } from './enroll.command.ts';
import { runFaces } from './faces.command.ts';

const USAGE = `usage: argus <command> [options]

commands:
  faces <image...> [--embed] [--json]   detect faces in photos; print boxes, landmarks, quality and timings
                                        --embed  add the 512-d embedding of each face
                                        --json   one JSON object per image and line

  on a running api server:
  enroll --name <name> [--notes <text>] <photo...>
                                        add a person to the watchlist; prints each accepted face and each
                                        rejected photo with its reason (exit 1 when none was usable)
  cameras list                          cameras with their live status
  cameras add <id> <url> [--name <n>] [--fps <n>] [--no-record]
                                        add a camera (rtsp://, rtsps://, rtmp://, http(s)://, file://)
  cameras rm <id>                       remove a camera added through the api
  alerts [--follow] [--camera <id>] [--person <id>] [--limit <n>]
                                        recent alerts, oldest first; --follow then prints each new alert as it
                                        happens (reconnecting with resume) until Ctrl-C

  api options:  --api <url>     the api server (default: ARGUS_API_URL, else http://127.0.0.1:<api.port>)
                --token <token> the admin token (default: ARGUS_ADMIN_TOKEN, else <data>/admin-token)
                --json          machine-readable output, one JSON object per line

environment: ARGUS_CONFIG=<file.yaml> and ARGUS_<SECTION>__<KEY>=value override config/default.yaml`;

const API_OPTIONS = {
  api: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean', default: false },
} as const;

function apiClient(values: { api?: string | undefined; token?: string | undefined }): Promise<ApiClient> {
  return ApiClient.create({ config: loadConfig(), env: process.env, ...(values.api ? { api: values.api } : {}), ...(values.token ? { token: values.token } : {}) });
}

/** Runs until Ctrl-C (SIGINT) or SIGTERM, for commands that follow a stream. */
function untilInterrupted(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return {
    signal: controller.signal,
    dispose: () => {
      process.removeListener('SIGINT', stop);
      process.removeListener('SIGTERM', stop);
    },
  };
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const err = (line: string) => process.stderr.write(`${line}\n`);
  try {
    switch (command) {
      case 'faces': {
        const { values, positionals } = parseArgs({
          args: rest,
          allowPositionals: true,
          options: { embed: { type: 'boolean', default: false }, json: { type: 'boolean', default: false } },
        });
        if (positionals.length === 0) {
          err('argus faces: give one or more image files, e.g. `npx argus faces photo.jpg`');
          return 2;
        }
        const failed = await runFaces({ files: positionals, embed: values.embed, json: values.json, out, err });
        return failed > 0 ? 1 : 0;
      }
      case 'enroll': {
        const { values, positionals } = parseArgs({
          args: rest,
          allowPositionals: true,
          options: { ...API_OPTIONS, name: { type: 'string' }, notes: { type: 'string' } },
        });
        if (!values.name?.trim() || positionals.length === 0) {
          err('argus enroll: give a name and one or more photos, e.g. `npx argus enroll --name "Ada" a.jpg b.jpg`');
          return 2;
        }
        const client = await apiClient(values);
        return await runEnroll({ client, name: values.name, ...(values.notes !== undefined ? { notes: values.notes } : {}), files: positionals, json: values.json, out, err });
      }
      case 'cameras': {
        const { values, positionals } = parseArgs({
          args: rest,
          allowPositionals: true,
          options: { ...API_OPTIONS, name: { type: 'string' }, fps: { type: 'string' }, 'no-record': { type: 'boolean', default: false } },
        });
        const [action = 'list', ...args] = positionals;
        const usage = 'usage: argus cameras list | add <id> <url> [--name <name>] [--fps <n>] [--no-record] | rm <id>';
        if (action === 'list' && args.length === 0) return await listCameras({ client: await apiClient(values), json: values.json, out });
        if (action === 'add' && args.length === 2) {
          return await addCamera({
            client: await apiClient(values),
            id: args[0]!,
            url: args[1]!,
            record: !values['no-record'],
            ...(values.name !== undefined ? { name: values.name } : {}),
            ...(values.fps !== undefined ? { analysisFps: Number(values.fps) } : {}),
            json: values.json,
            out,
          });
        }
        if ((action === 'rm' || action === 'remove') && args.length === 1) return await removeCamera({ client: await apiClient(values), id: args[0]!, json: values.json, out });
        err(`argus cameras: ${action === 'add' ? 'give an id and a URL, e.g. `npx argus cameras add lobby rtsp://10.0.0.5:554/stream`' : action === 'rm' || action === 'remove' ? 'give the id of the camera to remove' : `unknown action "${action}"`}\n${usage}`);
        return 2;
      }
      case 'alerts': {
        const { values, positionals } = parseArgs({
          args: rest,
          allowPositionals: true,
          options: { ...API_OPTIONS, follow: { type: 'boolean', short: 'f', default: false }, camera: { type: 'string' }, person: { type: 'string' }, limit: { type: 'string' } },
        });
        if (positionals.length > 0) {
          err(`argus alerts: unexpected "${positionals.join(' ')}"; filter with --camera <id> or --person <id>`);
          return 2;
        }
        const limit = parseLimit(values.limit);
        const client = await apiClient(values);
        const interrupt = values.follow ? untilInterrupted() : undefined;
        try {
          return await runAlerts({
            client,
            limit,
            follow: values.follow,
            json: values.json,
            out,
            err,
            ...(values.camera ? { camera: values.camera } : {}),
            ...(values.person ? { person: values.person } : {}),
            ...(interrupt ? { signal: interrupt.signal } : {}),
          });
        } finally {
          interrupt?.dispose();
        }
      }
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        out(USAGE);
        return command === undefined ? 2 : 0;
      default:
        err(`argus: unknown command "${command}"\n\n${USAGE}`);
        return 2;
    }
  } catch (e) {
    if (e instanceof CliError) {
      err(`argus ${command}: ${e.message}`);
      return e.code === 'INVALID_ARGUMENT' ? 2 : 1;
    }
    if (e instanceof ConfigError) err(`argus: ${e.message}`);
    else if (e instanceof TypeError && (e as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) err(`argus ${command}: ${e.message}`);
    else err(`argus: ${(e as Error).stack ?? e}`);
    return (e as NodeJS.ErrnoException).code?.startsWith?.('ERR_PARSE_ARGS') ? 2 : 1;
  }
}

// `argus cameras list | add <id> <url> | rm <id>`: the cameras of GET/POST/DELETE /api/cameras.
import { cameraListResponseSchema, cameraViewSchema, type CameraView } from '@argus/protocol';
import { CliError, type ApiClient } from './api-client.ts';

export interface CamerasOptions {
  client: ApiClient;
  json: boolean;
  out: (line: string) => void;
}

export interface AddCameraOptions extends CamerasOptions {
  id: string;
  url: string;
  name?: string;
  analysisFps?: number;
  record: boolean;
}

function statusText(camera: CameraView): string {
  const s = camera.status;
  if (!s) return 'no worker';
  return `${s.state} ${s.fps.toFixed(1)} fps${s.lastError ? ` (${s.lastError})` : ''}`;
}

export async function listCameras(opts: CamerasOptions): Promise<number> {
  const { cameras } = await opts.client.request('GET', '/api/cameras', { schema: cameraListResponseSchema });
  if (opts.json) {
    opts.out(JSON.stringify({ cameras }));
    return 0;
  }
  if (cameras.length === 0) {
    opts.out('no cameras: add one with `npx argus cameras add <id> rtsp://...`');
    return 0;
  }
  const rows = cameras.map((c) => [c.id, statusText(c), `${c.analysisFps} fps`, c.record ? 'rec' : '-', c.source, c.url]);
  const header = ['ID', 'STATUS', 'ANALYSIS', 'RECORD', 'SOURCE', 'URL'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const row of [header, ...rows]) opts.out(row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '));
  return 0;
}

export async function addCamera(opts: AddCameraOptions): Promise<number> {
  if (opts.analysisFps !== undefined && !(opts.analysisFps > 0)) throw new CliError('INVALID_ARGUMENT', `--fps must be a positive number, e.g. --fps 5`);
  const body = {
    id: opts.id,
    url: opts.url,
    record: opts.record,
    ...(opts.name !== undefined ? { name: opts.name } : {}),
    ...(opts.analysisFps !== undefined ? { analysisFps: opts.analysisFps } : {}),
  };
  const camera = await opts.client.request('POST', '/api/cameras', { json: body, schema: cameraViewSchema });
  if (opts.json) opts.out(JSON.stringify(camera));
  else opts.out(`added camera ${camera.id} (${camera.url}, ${camera.analysisFps} fps${camera.record ? ', recording' : ''}): ingest picks it up within a few seconds`);
  return 0;
}

export async function removeCamera(opts: CamerasOptions & { id: string }): Promise<number> {
  await opts.client.request('DELETE', `/api/cameras/${encodeURIComponent(opts.id)}`);
  opts.out(opts.json ? JSON.stringify({ id: opts.id, removed: true }) : `removed camera ${opts.id}`);
  return 0;
}

// /api/openapi.json validates as OpenAPI 3.1 and lists every route the server registers, and /ws.
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { withTestApi } from './testing/api-test-server.ts';

const api = withTestApi();

describe('OpenAPI document', () => {
  it('is served without a token, validates, and lists every route', async () => {
    const res = await api.fetch('/api/openapi.json', { auth: false });
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(doc.openapi).toBe('3.1.0');

    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    const registered = api.server.routes.map((r) => `${r.method} ${r.path}`);
    expect(registered.length).toBeGreaterThanOrEqual(15);
    expect(documented.sort()).toEqual([...registered, 'GET /ws'].sort());
    // Every route named by DESIGN.md is there.
    for (const route of [
      'GET /api/health',
      'GET /metrics',
      'GET /api/cameras',
      'POST /api/cameras',
      'DELETE /api/cameras/{id}',
      'GET /api/cameras/{id}/snapshot.jpg',
      'GET /api/watchlist',
      'POST /api/watchlist',
      'POST /api/watchlist/{id}/faces',
      'DELETE /api/watchlist/{id}',
      'POST /api/faces/detect',
      'GET /api/alerts',
      'POST /api/alerts/{id}/ack',
      'GET /api/config',
      'GET /ws',
    ]) {
      expect(documented).toContain(route);
    }
  });

  it('documents what each route takes: a query parameter, a JSON body and a multipart form', async () => {
    const doc = (await (await api.fetch('/api/openapi.json', { auth: false })).json()) as {
      paths: Record<string, Record<string, { parameters: Array<{ name: string; in: string; required: boolean }>; requestBody?: { content: Record<string, { schema: { required?: string[] } }> } }>>;
    };
    expect(doc.paths['/api/alerts']!.get!.parameters.map((p) => `${p.in}:${p.name}:${p.required}`)).toEqual([
      'query:camera:false',
      'query:person:false',
      'query:since:false',
      'query:before:false',
      'query:limit:false',
    ]);
    expect(doc.paths['/api/cameras']!.post!.requestBody!.content['application/json']!.schema.required).toEqual(['id', 'url']);
    expect(doc.paths['/api/watchlist']!.post!.requestBody!.content['multipart/form-data']!.schema.required).toEqual(['name', 'image']);
  });
});

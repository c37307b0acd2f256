// The gateway's heartbeat: a client that stops answering pings is dropped.
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { withTestApi, TEST_TOKEN } from './testing/api-test-server.ts';

const api = withTestApi({ gateway: { heartbeatMs: 300 } });

describe('WebSocket heartbeat', () => {
  it('keeps a client that answers pings and drops one that does not', async () => {
    const open = (autoPong: boolean) =>
      new Promise<{ ws: WebSocket; closed: Promise<number> }>((resolve, reject) => {
        const ws = new WebSocket(`${api.base.replace(/^http/, 'ws')}/ws?token=${TEST_TOKEN}`, { autoPong });
        const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
        ws.once('open', () => resolve({ ws, closed }));
        ws.once('error', reject);
      });
    const live = await open(true);
    const dead = await open(false);
    expect(await dead.closed).toBe(1006); // terminated, no close frame
    await new Promise((r) => setTimeout(r, 1000)); // three more heartbeats
    expect(live.ws.readyState).toBe(WebSocket.OPEN);
    expect(api.server.gateway.clientCount).toBe(1);
    expect(await (await api.fetch('/metrics')).text()).toMatch(/argus_ws_clients_dropped_total\{reason="dead"\} 1/);
    live.ws.close();
  });
});

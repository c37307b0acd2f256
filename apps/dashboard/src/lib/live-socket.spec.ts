import { describe, expect, it } from 'vitest';
import type { WsServerMessage } from '@argus/protocol';
import { LiveSocket, PING_INTERVAL_MS, reconnectDelayMs, SILENCE_LIMIT_MS, type SocketLike, type SocketState } from './live-socket.ts';

class FakeSocket implements SocketLike {
  readyState = 0;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: unknown) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  sent: unknown[] = [];
  closed = false;
  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }
  close(): void {
    this.closed = true;
    this.readyState = 3;
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  receive(message: unknown): void {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
  drop(): void {
    this.readyState = 3;
    this.onclose?.({});
  }
}

/** Manual clock and timers: nothing runs until the test advances time. */
function harness() {
  let now = 1_000_000;
  const timers: { at: number; fn: () => void; id: number }[] = [];
  let nextId = 1;
  const sockets: FakeSocket[] = [];
  const messages: WsServerMessage[] = [];
  const states: { state: SocketState; retryAt?: number | undefined }[] = [];
  const socket = new LiveSocket(
    {
      createSocket: () => {
        const s = new FakeSocket();
        sockets.push(s);
        return s;
      },
      setTimer: (fn, ms) => {
        const id = nextId++;
        timers.push({ at: now + ms, fn, id });
        return id;
      },
      clearTimer: (id) => {
        const i = timers.findIndex((t) => t.id === id);
        if (i >= 0) timers.splice(i, 1);
      },
      now: () => now,
    },
    { onMessage: (m) => messages.push(m), onState: (state, info) => states.push({ state, retryAt: info.retryAt }) },
  );
  const advance = (ms: number): void => {
    const until = now + ms;
    for (;;) {
      timers.sort((a, b) => a.at - b.at);
      const next = timers[0];
      if (!next || next.at > until) break;
      timers.shift();
      now = next.at;
      next.fn();
    }
    now = until;
  };
  const last = (): FakeSocket => sockets[sockets.length - 1]!;
  return { socket, sockets, messages, states, advance, last, now: () => now };
}

const alertMsg = (id: string) => ({
  type: 'alert',
  alert: { id, camera: 'lobby', personId: 'p1', personName: 'Penny', score: 0.5, ts: 1, trackId: 't1' },
});

describe('reconnectDelayMs', () => {
  it('doubles from 1 s and stops at 30 s', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 10].map(reconnectDelayMs)).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });
});

describe('LiveSocket', () => {
  it('resumes from "0" on the first connection when nothing was seen', () => {
    const h = harness();
    h.socket.start();
    expect(h.states.at(-1)?.state).toBe('connecting');
    h.last().open();
    expect(h.last().sent).toEqual([{ type: 'resume', after: '0' }]);
    expect(h.socket.state).toBe('open');
  });

  it('resumes after the newest alert seen, whether from REST or the socket', () => {
    const h = harness();
    h.socket.noteAlertSeen('1700000000000-0');
    h.socket.noteAlertSeen('1600000000000-5'); // older: ignored
    h.socket.start();
    h.last().open();
    expect(h.last().sent).toEqual([{ type: 'resume', after: '1700000000000-0' }]);
    h.last().receive(alertMsg('1700000000010-0'));
    h.last().receive(alertMsg('1700000000009-3')); // out of order: the cursor stays on the newest
    expect(h.socket.lastAlertId).toBe('1700000000010-0');
    h.last().drop();
    h.advance(1000);
    h.last().open();
    expect(h.last().sent).toEqual([{ type: 'resume', after: '1700000000010-0' }]);
  });

  it('reconnects with backoff 1 s, 2 s, 4 s ... and starts over after a success', () => {
    const h = harness();
    h.socket.start();
    h.last().drop(); // never opened
    expect(h.socket.state).toBe('reconnecting');
    expect(h.states.at(-1)?.retryAt).toBe(h.now() + 1000);
    h.advance(999);
    expect(h.sockets).toHaveLength(1);
    h.advance(1);
    expect(h.sockets).toHaveLength(2);
    h.last().drop();
    h.advance(1999);
    expect(h.sockets).toHaveLength(2);
    h.advance(1);
    expect(h.sockets).toHaveLength(3);
    h.last().drop();
    h.advance(4000);
    expect(h.sockets).toHaveLength(4);
    h.last().open();
    expect(h.socket.state).toBe('open');
    h.last().drop();
    h.advance(1000); // back to the first delay
    expect(h.sockets).toHaveLength(5);
  });

  it('caps the delay at 30 s', () => {
    const h = harness();
    h.socket.start();
    for (let i = 0; i < 8; i++) {
      h.last().drop();
      h.advance(30_000);
    }
    const before = h.sockets.length;
    h.last().drop();
    expect(h.states.at(-1)?.retryAt).toBe(h.now() + 30_000);
    h.advance(30_000);
    expect(h.sockets).toHaveLength(before + 1);
  });

  it('passes on valid messages and ignores malformed ones', () => {
    const h = harness();
    h.socket.start();
    h.last().open();
    h.last().onmessage?.({ data: 'not json' });
    h.last().receive({ type: 'alert', alert: { id: 'x' } });
    h.last().receive({ type: 'nonsense' });
    h.last().receive({ type: 'faces', camera: 'lobby', ts: 5, faces: [{ box: [1, 2, 3, 4], personName: 'Penny' }] });
    h.last().receive({ type: 'resumed', after: '0', count: 0 });
    expect(h.messages.map((m) => m.type)).toEqual(['faces', 'resumed']);
  });

  it('pings while open and replaces a connection that went silent', () => {
    const h = harness();
    h.socket.start();
    h.last().open();
    h.advance(PING_INTERVAL_MS);
    expect(h.last().sent).toContainEqual({ type: 'ping' });
    h.advance(SILENCE_LIMIT_MS); // nothing heard: reconnect
    expect(h.sockets[0]!.closed).toBe(true);
    expect(h.socket.state).toBe('reconnecting');
    h.advance(1000);
    expect(h.sockets).toHaveLength(2);
  });

  it('stops for good: no reconnect after stop()', () => {
    const h = harness();
    h.socket.start();
    h.last().open();
    h.socket.stop();
    expect(h.sockets[0]!.closed).toBe(true);
    h.advance(60_000);
    expect(h.sockets).toHaveLength(1);
  });
});

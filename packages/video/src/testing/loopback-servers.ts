// Misbehaving "cameras" on 127.0.0.1 for error-path tests: one that accepts and never answers,
// and an HTTP server that answers with text instead of video.
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Socket } from 'node:net';

export interface LoopbackServer {
  port: number;
  close(): Promise<void>;
}

/** Accepts TCP connections and never sends a byte: a camera that hangs after the handshake. */
export function startSilentServer(): Promise<LoopbackServer> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  return listen(server, () => sockets.forEach((s) => s.destroy()));
}

/** Answers every request with 200 text/plain. */
export function startTextHttpServer(body = 'hello, this is not video\n'): Promise<LoopbackServer> {
  const server = createHttpServer((_req, res) => {
    res.setHeader('content-type', 'text/plain');
    res.end(body);
  });
  return listen(server, () => server.closeAllConnections());
}

function listen(server: ReturnType<typeof createServer> | ReturnType<typeof createHttpServer>, dropConnections: () => void): Promise<LoopbackServer> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolve({
        port,
        close: () =>
          new Promise<void>((done) => {
            dropConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

/**
 * Read-only HTTP endpoint of the live state, for dashboards (no engine auth: aggregates only, nothing personal).
 *   GET /live          → the current snapshot (JSON)
 *   GET /live/stream   → Server-Sent Events: `event: snapshot` on connect and after every change (≤ 20 per second)
 *   GET /health        → 200 {"status":"ok"}
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LiveState } from './live-state.ts';

export interface LiveServer {
  url: string;
  server: Server;
  /** Pushes the snapshot to subscribers if the state changed (called after each batch; throttled). */
  notify(): void;
  close(): Promise<void>;
}

export async function startLiveServer(live: LiveState, opts: { port: number; host?: string; throttleMs?: number; now?: () => number }): Promise<LiveServer> {
  const now = opts.now ?? Date.now;
  const clients = new Set<ServerResponse>();
  let sentVersion = -1;
  let timer: NodeJS.Timeout | null = null;
  let lastSent = 0;
  const throttle = opts.throttleMs ?? 50;

  const broadcast = () => {
    timer = null;
    if (live.version === sentVersion) return;
    sentVersion = live.version;
    lastSent = Date.now();
    const frame = `event: snapshot\nid: ${live.version}\ndata: ${JSON.stringify(live.snapshot(now()))}\n\n`;
    for (const c of clients) c.write(frame);
  };

  const headers = { 'access-control-allow-origin': '*', 'cache-control': 'no-store' };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...headers, allow: 'GET, HEAD', 'content-type': 'application/problem+json' });
      res.end(JSON.stringify({ type: 'about:blank', title: 'Method Not Allowed', status: 405, detail: 'the live state is read-only' }));
      return;
    }
    if (path === '/health') {
      res.writeHead(200, { ...headers, 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'ok' }));
    } else if (path === '/live') {
      res.writeHead(200, { ...headers, 'content-type': 'application/json' });
      res.end(JSON.stringify(live.snapshot(now())));
    } else if (path === '/live/stream') {
      res.writeHead(200, { ...headers, 'content-type': 'text/event-stream', connection: 'keep-alive' });
      res.write(`retry: 1000\nevent: snapshot\nid: ${live.version}\ndata: ${JSON.stringify(live.snapshot(now()))}\n\n`);
      clients.add(res);
      req.on('close', () => clients.delete(res));
    } else {
      res.writeHead(404, { ...headers, 'content-type': 'application/problem+json' });
      res.end(JSON.stringify({ type: 'about:blank', title: 'Not Found', status: 404, detail: 'try /live or /live/stream' }));
    }
  });
  const keepAlive = setInterval(() => {
    for (const c of clients) c.write(': keep-alive\n\n');
  }, 15_000);
  keepAlive.unref();
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => res());
  });
  const addr = server.address() as AddressInfo;
  return {
    url: `http://${opts.host ?? '127.0.0.1'}:${addr.port}`,
    server,
    notify() {
      if (timer) return;
      const wait = Math.max(0, lastSent + throttle - Date.now());
      timer = setTimeout(broadcast, wait);
    },
    async close() {
      clearInterval(keepAlive);
      if (timer) clearTimeout(timer);
      for (const c of clients) c.end();
      await new Promise<void>((res) => server.close(() => res()));
    },
  };
}

/**
 * Serves the built dashboards (dashboards/dist, a static Observable Framework site) and forwards /live/* to the
 * pipelines' live-state server, so the pages reach the SSE stream on their own origin (no external URL).
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DEFAULT_DASHBOARDS_DIR = fileURLToPath(new URL('../../../dashboards/dist/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png', '.woff2': 'font/woff2', '.csv': 'text/csv',
};

export interface DashboardsServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/**
 * Assets whose file name carries the content hash Framework gives them (`/_node/d3@7.9.2/index.c8f1bfbe.js`,
 * `/_file/data/overview.5f77b525.json`): a rebuild changes the name, so browsers may keep them for good. Pages (HTML)
 * are revalidated on every visit. Without this, each page visited downloads the ~45 shared modules again.
 */
export function isImmutableAsset(urlPath: string): boolean {
  return /^\/_(observablehq|node|npm|import|file)\/.+\.[0-9a-f]{8}\.[a-z0-9]+$/.test(urlPath.split('?')[0] ?? '');
}

/** The file for a URL path: /x → x.html (clean URLs), / → index.html; null outside the folder or missing. */
export function fileFor(dir: string, urlPath: string): string | null {
  const root = resolve(dir);
  let p = decodeURIComponent(urlPath.split('?')[0] ?? '/');
  if (p.endsWith('/')) p += 'index';
  const candidates = [p, `${p}.html`];
  for (const c of candidates) {
    const full = normalize(join(root, c));
    if (!full.startsWith(root)) return null;
    if (existsSync(full) && statSync(full).isFile()) return full;
  }
  return null;
}

export async function startDashboardsServer(opts: { dir?: string; port?: number; host?: string; liveUrl?: string | null }): Promise<DashboardsServer> {
  const dir = opts.dir ?? DEFAULT_DASHBOARDS_DIR;
  const host = opts.host ?? '127.0.0.1';
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    if (path.startsWith('/live')) {
      if (!opts.liveUrl) {
        res.writeHead(503, { 'content-type': 'application/problem+json' });
        res.end(JSON.stringify({ type: 'about:blank', title: 'Service Unavailable', status: 503, detail: 'no live stream configured' }));
        return;
      }
      const target = new URL(path, opts.liveUrl);
      const up = request(target, { method: req.method, headers: { accept: req.headers.accept ?? '*/*' } }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      up.on('error', () => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/problem+json' });
        res.end(JSON.stringify({ type: 'about:blank', title: 'Bad Gateway', status: 502, detail: 'live stream unreachable' }));
      });
      req.on('close', () => up.destroy());
      up.end();
      return;
    }
    const file = fileFor(dir, path);
    if (!file && path === '/favicon.ico') {
      res.writeHead(204);
      res.end();
      return;
    }
    if (!file) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('not found');
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'cache-control': isImmutableAsset(path) ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port ?? 0, host, () => ok());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}`,
    server,
    close: () => new Promise<void>((ok) => {
      server.closeAllConnections();
      server.close(() => ok());
    }),
  };
}

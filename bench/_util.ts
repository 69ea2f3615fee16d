import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const quick = process.argv.includes('--quick');

/** A worker thread running a TypeScript module of bench/ (through tsx), e.g. a load generator kept off the main loop. */
export function tsWorker(module: string, workerData: unknown): Worker {
  const script = new URL(module, import.meta.url).href;
  return new Worker(`import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(script)}); });`, { eval: true, workerData });
}

/** Starts (installing if needed) the benchmark PostgreSQL server; returns the admin URL of database `postgres`. */
export function startPg(): string {
  const out = execFileSync(`${ROOT}scripts/pg.sh`, ['start'], { encoding: 'utf8', env: { ...process.env, CUPOLA_PG_PORT: process.env.CUPOLA_PG_PORT ?? '54329' } });
  const line = out.trim().split('\n').pop()!;
  return line.replace(/^DATABASE_URL=/, '').replace(/\/[^/]+$/, '/postgres');
}

export function pgBin(): string {
  return execFileSync(`${ROOT}scripts/pg.sh`, ['bin'], { encoding: 'utf8' }).trim();
}

export const pct = (xs: number[], p: number) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

export const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

export function printJson(o: Record<string, unknown>) {
  console.log(JSON.stringify(o));
}

type Reply = { status: number; json: Record<string, any> };
const IDLE_REUSE_MS = 2_000;

/** One kept-alive HTTP/1.1 connection of jsonPoster: a request at a time, its reply read just far enough. */
class Connection {
  private buf: Buffer | null = null;
  private waiting: { resolve: (r: Reply) => void; reject: (e: Error) => void } | null = null;
  closed = false;
  /** replies read so far, and when the connection last became idle */
  replies = 0;
  idleSince = 0;

  constructor(readonly socket: net.Socket, private readonly onClose: (c: Connection) => void) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.read(chunk));
    socket.on('error', (e) => this.close(e));
    socket.on('close', () => this.close(new Error('the server closed the connection')));
  }

  send(request: Buffer): Promise<Reply> {
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.socket.write(request);
    });
  }

  /** Whether nothing of the reply to the request under way has arrived (the server may not have read it). */
  get nothingReceived(): boolean {
    return this.buf === null;
  }

  private read(chunk: Buffer) {
    const all = this.buf ? Buffer.concat([this.buf, chunk]) : chunk;
    const headEnd = all.indexOf('\r\n\r\n');
    if (headEnd < 0) return void (this.buf = all);
    const head = all.toString('latin1', 0, headEnd);
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    if (!length) return this.close(new Error(`a reply without content-length (chunked replies are not read): ${head.split('\r\n')[0]}`));
    const end = headEnd + 4 + Number(length[1]);
    if (all.length < end) return void (this.buf = all);
    this.buf = null;
    const w = this.waiting;
    this.waiting = null;
    this.replies++;
    if (all.length > end || !w) return this.close(new Error('bytes the client did not ask for'));
    try {
      w.resolve({ status: Number(head.slice(9, 12)), json: end > headEnd + 4 ? JSON.parse(all.toString('utf8', headEnd + 4, end)) : {} });
    } catch (e) {
      w.reject(e as Error);
    }
    if (/\r\nconnection: *close/i.test(head)) this.close(new Error('the server closed the connection')); // not reused
  }

  close(e: Error) {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    const w = this.waiting;
    this.waiting = null;
    if (w) w.reject(e);
    this.onClose(this);
  }
}

/**
 * A load generator's HTTP client: POSTs JSON over kept-alive HTTP/1.1 connections (at most `maxSockets` per server),
 * each request written as one buffer and each reply read just far enough (status, content-length, JSON body).
 * On 2 shared cores the client's own CPU is taken from the system it measures, and pgbench, the booking limit, is a
 * lean C client. Measured in bench booking's HTTP floor: 20-23 µs of CPU per request, against 61-81 µs with node:http
 * and a keep-alive agent (the client before this one); `fetch` cost about 1 ms.
 */
export function jsonPoster(headers: Record<string, string>, maxSockets = 64): (base: string, path: string, body: unknown) => Promise<Reply> {
  const fixed = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  const servers = new Map<string, { idle: Connection[]; open: number; queue: ((c: Connection) => void)[] }>();
  const serverOf = (host: string, port: number) => {
    const key = `${host}:${port}`;
    let s = servers.get(key);
    if (!s) servers.set(key, (s = { idle: [], open: 0, queue: [] }));
    return s;
  };
  const connect = (host: string, port: number): Connection => {
    const s = serverOf(host, port);
    s.open++;
    return new Connection(net.connect({ host, port }), (closed) => {
      s.open--;
      s.idle = s.idle.filter((x) => x !== closed);
      const next = s.queue.shift();
      if (next) next(connect(host, port));
    });
  };
  const take = (host: string, port: number): Promise<Connection> | Connection => {
    const s = serverOf(host, port);
    for (let c = s.idle.pop(); c; c = s.idle.pop()) {
      if (c.closed) continue;
      // servers close kept-alive connections idle for a while (Node's default: 5 s); one about to be closed could
      // take a request with it, so a connection idle for longer is closed here and another opened
      if (performance.now() - c.idleSince < IDLE_REUSE_MS) return c;
      c.close(new Error('idle too long'));
    }
    if (s.open >= maxSockets) return new Promise((resolve) => s.queue.push(resolve));
    return connect(host, port);
  };
  const give = (host: string, port: number, c: Connection) => {
    if (c.closed) return;
    const s = serverOf(host, port);
    const next = s.queue.shift();
    if (next) next(c);
    else {
      c.idleSince = performance.now();
      s.idle.push(c);
    }
  };
  return async (base: string, path: string, body: unknown): Promise<Reply> => {
    const u = new URL(base);
    const port = Number(u.port || 80);
    const data = JSON.stringify(body);
    const request = Buffer.from(`POST ${path} HTTP/1.1\r\nhost: ${u.host}\r\n${fixed}content-length: ${Buffer.byteLength(data)}\r\n\r\n${data}`);
    for (let attempt = 0; ; attempt++) {
      const c = attempt === 0 ? await take(u.hostname, port) : connect(u.hostname, port);
      try {
        return await c.send(request);
      } catch (e) {
        // a reused connection the server closed before any of the reply came: sent again once, on a new connection
        if (attempt === 0 && c.replies > 0 && c.closed && c.nothingReceived) continue;
        throw new Error(`POST ${base}${path}: ${(e as Error).message}`, { cause: e });
      } finally {
        give(u.hostname, port, c);
      }
    }
  };
}

/** CPU time (user + system, ms) a process has used so far, from /proc (null where there is none). */
export function processCpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields 14 and 15 (utime, stime) in clock ticks; after the command name they are at 11 and 12
    return ((Number(f[11]) + Number(f[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return null;
  }
}
const CLOCK_TICKS = 100;

/** CPU time (ms) the whole machine has spent busy (not idle nor waiting for I/O) so far, from /proc/stat (null where there is none). */
export function machineBusyMs(): number | null {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const total = f.reduce((a, b) => a + b, 0);
    return ((total - f[3]! - f[4]!) * 1000) / CLOCK_TICKS;
  } catch {
    return null;
  }
}

/**
 * Starts counting: the returned function gives, per `count` things done since, the whole machine's busy CPU and this
 * process's own CPU (µs each; NaN where /proc/stat is missing).
 */
export function cpuSince(): (count: number) => { machineUs: number; selfUs: number } {
  const machine0 = machineBusyMs() ?? NaN;
  const self0 = process.cpuUsage();
  return (count) => {
    const self = process.cpuUsage(self0);
    return { machineUs: (((machineBusyMs() ?? NaN) - machine0) * 1000) / count, selfUs: (self.user + self.system) / count };
  };
}

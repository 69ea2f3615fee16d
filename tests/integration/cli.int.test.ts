/** The operator CLI and the platform command, run as a person would: real processes, a temporary data folder. */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { freePorts } from './harness.ts';

const run = promisify(execFile);
const cli = (args: string[], env: Record<string, string> = {}) =>
  run(process.execPath, ['bin/cupola.js', ...args], { env: { ...process.env, ...env }, timeout: 120_000 });

describe('the cupola CLI', () => {
  it('prints help for every command', async () => {
    for (const c of ['up', 'migrate', 'seed', 'serve', 'token']) {
      const { stdout } = await cli([c, '--help']);
      expect(stdout).toContain(`usage: cupola ${c}`);
    }
  });

  it('refuses an unknown option with exit code 2 and the usage', async () => {
    await expect(cli(['seed', '--colour', 'red'])).rejects.toMatchObject({ code: 2 });
  });

  it('seeds the same demo region twice from the same seed, and refuses to seed over it without --reset', async () => {
    const a = mkdtempSync(join(tmpdir(), 'cupola-cli-a-'));
    const b = mkdtempSync(join(tmpdir(), 'cupola-cli-b-'));
    const one = await cli(['seed', '--scale', 'demo', '--seed', '7', '--start', '2026-12-07'], { CUPOLA_DATA_DIR: a });
    const two = await cli(['seed', '--scale', 'demo', '--seed', '7', '--start', '2026-12-07'], { CUPOLA_DATA_DIR: b });
    const summary = (s: string) => s.trim().split('\n').pop()!.replace(/ in [\d.]+ s.*$/, '');
    expect(summary(one.stdout)).toMatch(/^seed: demo scale, seed 7, from 2026-12-07: 3 ATS, \d+ providers/);
    expect(summary(one.stdout)).toBe(summary(two.stdout));
    expect(one.stderr).toContain('seed slot');
    await expect(cli(['seed', '--scale', 'demo'], { CUPOLA_DATA_DIR: a })).rejects.toMatchObject({ code: 1 });
  });

  it('mints a token that the engine accepts for its role', async () => {
    const { stdout } = await cli(['token', '--role', 'ats-planner', '--ats', 'ats-030321'], { CUPOLA_JWT_SECRET: 'x'.repeat(32) });
    const claims = JSON.parse(Buffer.from(stdout.trim().split('.')[1]!, 'base64url').toString());
    expect(claims).toMatchObject({ role: 'ats-planner', ats: 'ats-030321', iss: 'cupola' });
    await expect(cli(['token', '--role', 'ats-planner'])).rejects.toMatchObject({ code: 2 });
  });

  it('runs the platform: `up` migrates, seeds the demo region, serves the API and prints the URLs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cupola-up-'));
    const [port, dashboardsPort] = await freePorts(2);
    const child = spawn(process.execPath, ['bin/cupola.js', 'up', '--port', String(port)], {
      env: { ...process.env, CUPOLA_DATA_DIR: dir, CUPOLA_DASHBOARDS_PORT: String(dashboardsPort), CUPOLA_REFRESH_MINUTES: '0' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    try {
      const until = Date.now() + 90_000;
      while (!out.includes('Stop with Ctrl-C') && Date.now() < until) await new Promise((r) => setTimeout(r, 250));
      expect(out).toContain(`http://127.0.0.1:${port}/docs`);
      const token = /\n {2}(eyJ[\w.-]+)\n/.exec(out)?.[1];
      expect(token).toBeDefined();
      const health = await fetch(`http://127.0.0.1:${port}/health`);
      expect(await health.json()).toEqual({ status: 'ok', store: 'pglite' });
      const ats = await fetch(`http://127.0.0.1:${port}/org-units?level=ats`, { headers: { authorization: `Bearer ${token}` } });
      expect((await ats.json()).total).toBe(3);
      const docs = await (await fetch(`http://127.0.0.1:${port}/docs/json`)).json();
      expect(Object.keys(docs.paths)).toEqual(expect.arrayContaining(['/agendas', '/availability/search', '/appointments']));
    } finally {
      child.kill('SIGTERM');
    }
  });
});

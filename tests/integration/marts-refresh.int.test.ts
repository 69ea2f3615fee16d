import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scheduleMartsRefresh } from '../../engine/src/cli/marts-refresh.ts';

describe('the scheduled marts refresh of the platform command', () => {
  // the refresh itself (dbt worker, then the pages) is tested on real data in analytics.int.test.ts
  const slowRefresh = async (dataDir: string) => {
    appendFileSync(join(dataDir, 'runs'), `${dataDir}\n`);
    await new Promise((res) => setTimeout(res, 300));
    return { line: `refreshed ${dataDir}` };
  };

  it('runs the refresh on its schedule, one at a time, with the data folder, and logs how it went', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cupola-refresh-'));
    const lines: string[] = [];
    const r = scheduleMartsRefresh({ everyMinutes: 0.002, dataDir: dir, refresh: slowRefresh, log: (l) => lines.push(l) });
    await new Promise((res) => setTimeout(res, 1200));
    await r.stop();
    const runs = readFileSync(join(dir, 'runs'), 'utf8').trim().split('\n');
    expect(runs.length).toBeGreaterThanOrEqual(2);
    expect(runs.length).toBeLessThanOrEqual(4); // 0.3 s runs every 0.12 s, never overlapping
    expect(new Set(runs)).toEqual(new Set([dir]));
    expect(lines[0]).toBe(`refreshed ${dir}`);
  });

  it('logs a refresh that failed and goes on refreshing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cupola-refresh-fail-'));
    const lines: string[] = [];
    let calls = 0;
    const r = scheduleMartsRefresh({ everyMinutes: 0.002, dataDir: dir, log: (l) => lines.push(l), refresh: async () => {
      if (++calls === 1) throw new Error('the dbt worker exited (code 1)');
      return { line: 'refreshed' };
    } });
    await new Promise((res) => setTimeout(res, 600));
    await r.stop();
    expect(lines[0]).toBe('marts refresh: failed (the dbt worker exited (code 1))');
    expect(lines[1]).toBe('refreshed');
  });

  it('says a refresh cut short by the platform stopping was stopped, not that it failed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cupola-refresh-stop-'));
    const lines: string[] = [];
    let cut: (e: Error) => void = () => {};
    let began: () => void = () => {};
    const running = new Promise<void>((res) => (began = res));
    const r = scheduleMartsRefresh({ everyMinutes: 0.002, dataDir: dir, log: (l) => lines.push(l), refresh: () => new Promise((_, reject) => {
      cut = reject;
      began();
    }) });
    await running;
    await r.stop(); // in the platform this kills the dbt worker, and the refresh fails with it
    cut(new Error('the dbt worker exited (SIGTERM): '));
    await new Promise((res) => setTimeout(res, 50));
    expect(lines).toEqual(['marts refresh: stopped with the platform (the refresh under way was cut short)']);
  });

  it('does nothing when switched off', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cupola-refresh-off-'));
    const r = scheduleMartsRefresh({ everyMinutes: 0, dataDir: dir, refresh: slowRefresh });
    await new Promise((res) => setTimeout(res, 300));
    await r.stop();
    expect(() => readFileSync(join(dir, 'runs'))).toThrow();
  });
});

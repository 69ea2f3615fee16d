import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scheduleMartsRefresh } from '../../engine/src/cli/marts-refresh.ts';

describe('the scheduled marts refresh of the platform command', () => {
  it('runs the rebuild on its schedule, one at a time, with the data folder, and reports how it went', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cupola-refresh-'));
    const script = join(dir, 'rebuild.sh');
    writeFileSync(script, 'echo "$CUPOLA_DATA_DIR" >> "$CUPOLA_DATA_DIR/runs"; sleep 0.3\n');
    const lines: string[] = [];
    const r = scheduleMartsRefresh({ everyMinutes: 0.002, dataDir: dir, script, log: (l) => lines.push(l) });
    await new Promise((res) => setTimeout(res, 1200));
    r.stop();
    const runs = readFileSync(join(dir, 'runs'), 'utf8').trim().split('\n');
    expect(runs.length).toBeGreaterThanOrEqual(2);
    expect(runs.length).toBeLessThanOrEqual(4); // 0.3 s runs every 0.12 s, never overlapping
    expect(new Set(runs)).toEqual(new Set([dir]));
    expect(lines[0]).toMatch(/^marts refresh: dbt build \+ dashboards done in \d+ s$/);
  });

  it('does nothing when switched off', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cupola-refresh-off-'));
    const script = join(dir, 'rebuild.sh');
    writeFileSync(script, 'touch "$CUPOLA_DATA_DIR/ran"\n');
    const r = scheduleMartsRefresh({ everyMinutes: 0, dataDir: dir, script });
    await new Promise((res) => setTimeout(res, 300));
    r.stop();
    expect(() => readFileSync(join(dir, 'ran'))).toThrow();
  });
});

import { describe, expect, it } from 'vitest';
import { projectQueue, type QueueInput } from '../../forecasting/src/models/queue-projection.ts';
import { calibrationChart, lineChart } from '../../forecasting/src/report/svg.ts';

const weeks = Array.from({ length: 12 }, (_, i) => `2026-01-${String(5 + i).padStart(2, '0')}`);
const flat = (v: number) => new Array(12).fill(v);
const input = (supply: number, extra: Partial<QueueInput> = {}): QueueInput => ({
  weeks, demand: { U: flat(2), B: flat(10), D: flat(40), P: flat(48) }, supply: flat(supply),
  maxWaitDays: { U: 3, B: 10, D: 30, P: 120 }, tailWeeks: 30, ...extra,
});

describe('waiting-time queue projection', () => {
  it('serves everything within the class maximum when supply exceeds demand', () => {
    const r = projectQueue(input(120));
    expect(r.every((w) => w.compliance === 1 && w.medianWaitDays === 2)).toBe(true);
    expect(r.at(-1)!.backlogEnd).toBe(0);
  });
  it('lets programmed (P) requests wait longer first when supply falls short, keeping urgent ones on time', () => {
    const r = projectQueue(input(90, { backlog: { P: 600 } }));
    expect(r[0]!.byClass.U.compliance).toBe(1);
    expect(r[0]!.byClass.B.compliance).toBe(1);
    expect(r[11]!.byClass.P.medianWaitDays).toBeGreaterThan(r[0]!.byClass.P.medianWaitDays);
    expect(r[11]!.backlogEnd).toBeGreaterThan(r[0]!.backlogEnd);
  });
  it('projects shorter waits and higher compliance with more places per week', () => {
    const base = projectQueue(input(95, { backlog: { D: 150, P: 1200 } }));
    const more = projectQueue(input(125, { backlog: { D: 150, P: 1200 } }));
    const mean = (r: typeof base, k: 'compliance' | 'medianWaitDays') => r.reduce((s, w) => s + w[k], 0) / r.length;
    expect(mean(more, 'compliance')).toBeGreaterThan(mean(base, 'compliance'));
    expect(mean(more, 'medianWaitDays')).toBeLessThan(mean(base, 'medianWaitDays'));
  });
});

describe('SVG charts', () => {
  it('draws lines, a band and escaped labels without any external resource', () => {
    const svg = lineChart('A < B & C', ['w1', 'w2', 'w3'], [{ name: 'actual', values: [1, 2, null], color: '#000' }], [{ name: 'P10–P90', lo: [null, 1, 1], hi: [null, 3, 4], color: '#00f' }]);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('A &lt; B &amp; C');
    expect(svg).toContain('<polygon');
    expect(svg).toMatch(/<path d="M[\d.]+,[\d.]+L[\d.]+,[\d.]+"/);
    expect(svg).not.toMatch(/href=|https?:\/\/(?!www\.w3\.org)/);
  });
  it('draws one point per calibration bin and the diagonal', () => {
    const svg = calibrationChart('cal', [{ name: 'm', color: '#f00', bins: [{ meanPredicted: 0.1, observedRate: 0.12, n: 50 }, { meanPredicted: 0.3, observedRate: 0.25, n: 20 }] }]);
    expect(svg.match(/<circle/g)!.length).toBe(2);
    expect(svg).toContain('stroke-dasharray="4,3"');
  });
});

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
// The dashboards' components are plain ESM JavaScript (Observable Framework); they carry no type declarations.
// @ts-ignore
import { band, num, pct } from '../../dashboards/src/components/bands.js';
// @ts-ignore
import { applyFilters, rollup, TUTTE } from '../../dashboards/src/components/filters.js';
// @ts-ignore
import { evaluateRules } from '../../dashboards/src/components/alerts.js';
// @ts-ignore
import { forecastBand } from '../../dashboards/src/components/forecast.js';
// @ts-ignore
import { withNames } from '../../dashboards/src/components/names.js';
import { fileFor, isImmutableAsset } from '../../engine/src/cli/dashboards-server.ts';

const DASH = fileURLToPath(new URL('../../dashboards/', import.meta.url));

describe('dashboard components', () => {
  it('colour a compliance share green from 90%, yellow from 50% and red below', () => {
    expect(band(0.9)).toBe('verde');
    expect(band(0.8999)).toBe('giallo');
    expect(band(0.5)).toBe('giallo');
    expect(band(0.4999)).toBe('rosso');
    expect(band(null)).toBe('neutro');
  });

  it('format shares and numbers the Italian way', () => {
    expect(pct(0.8923)).toBe('89,2%');
    expect(pct(null)).toBe('n.d.');
    expect(num(12863.4)).toBe('12.863');
    expect(num(1.256, 1)).toBe('1,3');
    expect(num(1234.5)).toBe('1235'); // Italian groups thousands from five digits
    expect(num(null)).toBe('n.d.');
  });

  it('filter rows by ATS, class and period and sum them by key', () => {
    const rows = [
      { ats_id: 'a', priority: 'B', week_start: '2026-01-05', bookings: 2 },
      { ats_id: 'a', priority: 'D', week_start: '2026-01-12', bookings: 3 },
      { ats_id: 'b', priority: 'B', week_start: '2026-01-12', bookings: 5 },
    ];
    expect(applyFilters(rows, { ats: 'a', from: '2026-01-12' })).toEqual([rows[1]]);
    expect(applyFilters(rows, { priority: 'B' }).length).toBe(2);
    expect(applyFilters(rows, { ats: TUTTE }).length).toBe(3);
    expect(rollup(rows, ['priority'], ['bookings'])).toEqual([{ priority: 'B', bookings: 7 }, { priority: 'D', bookings: 3 }]);
  });

  it('put back the names a loader sent once per entity, leaving the rows it was given untouched', () => {
    const rows = [{ ats_id: 'a', service_id: 's1', bookings: 2 }, { ats_id: 'b', service_id: 's2', bookings: 3 }];
    const named = withNames(rows, { ats: [{ ats_id: 'a', ats_name: 'ATS A' }], service: [{ service_id: 's1', service_name: 'Visita' }, { service_id: 's2', service_name: 'Eco' }] });
    expect(named).toEqual([
      { ats_id: 'a', ats_name: 'ATS A', service_id: 's1', service_name: 'Visita', bookings: 2 },
      { ats_id: 'b', ats_name: null, service_id: 's2', service_name: 'Eco', bookings: 3 },
    ]);
    expect(rows[0]).toEqual({ ats_id: 'a', service_id: 's1', bookings: 2 });
  });

  it('raise an alert for each rule breached, honouring the configured thresholds', () => {
    const compliance = [
      { week_start: '2026-01-05', provider_id: 'p1', provider_name: 'Ente 1', ats_name: 'ATS X', priority: 'B', bookings: 20, within_max: 15 },
      { week_start: '2026-01-05', provider_id: 'p2', provider_name: 'Ente 2', ats_name: 'ATS X', priority: 'B', bookings: 20, within_max: 19 },
      { week_start: '2026-01-05', provider_id: 'p3', provider_name: 'Ente 3', ats_name: 'ATS X', priority: 'B', bookings: 4, within_max: 0 },
    ];
    const next = [
      { service_name: 'RM', ats_name: 'ATS X', priority: 'D', is_beyond_class_max: true, days_to_first_in_area: 80, max_wait_days: 60 },
      { service_name: 'ECG', ats_name: 'ATS X', priority: 'D', is_beyond_class_max: false, days_to_first_in_area: 10, max_wait_days: 60 },
    ];
    const targets = [{ service_name: 'RM', ats_name: 'ATS X', period: '2026-Q1', period_start: '2026-01-01', period_end: '2026-03-31', as_of_date: '2026-02-01', attainment_to_date: 0.6 }];
    const all = evaluateRules({ compliance, next, targets }, { compliance: 0.9, minBookings: 10, nextAvailability: true, trajectory: 0.9 });
    expect(all.map((b: { regola: string }) => b.regola)).toEqual([
      'Rispetto tempi sotto soglia', 'Prossima disponibilità oltre il massimo', 'Obiettivo di volume in ritardo',
    ]);
    expect(all[0].ambito).toContain('Ente 1');
    const looser = evaluateRules({ compliance, next, targets }, { compliance: 0.7, minBookings: 10, nextAvailability: false, trajectory: 0.5 });
    expect(looser).toEqual([]);
  });
});

describe('forecast band on a cumulative trajectory', () => {
  const weeks = [
    { ats_id: 'a', week_start: '2026-11-23', p10: 70, p50: 140, p90: 210 },
    { ats_id: 'b', week_start: '2026-11-23', p10: 0, p50: 0, p90: 70 },
    { ats_id: 'a', week_start: '2026-11-30', p10: 7, p50: 14, p90: 21 },
    { ats_id: 'a', week_start: '2027-01-04', p10: 700, p50: 700, p90: 700 },
  ];

  it('adds each week prorated to its days after the last delivered day, up to the period end, classes and ATS summed', () => {
    // from Wed 25 Nov: 4 days (26-29 Nov) of the week of 23 Nov, 7 of the week of 30 Nov, nothing after 31 Dec
    expect(forecastBand(weeks, { fromDay: '2026-11-25', fromValue: 1000, endDay: '2026-12-31' })).toEqual([
      { day: '2026-11-25', lo: 1000, mid: 1000, hi: 1000 },
      { day: '2026-11-29', lo: 1040, mid: 1080, hi: 1160 },
      { day: '2026-12-06', lo: 1047, mid: 1094, hi: 1181 },
    ]);
  });

  it('clips the last week to the period end', () => {
    const band = forecastBand(weeks, { fromDay: '2026-11-29', fromValue: 0, endDay: '2026-12-01' });
    expect(band).toEqual([{ day: '2026-11-29', lo: 0, mid: 0, hi: 0 }, { day: '2026-12-01', lo: 2, mid: 4, hi: 6 }]);
  });

  it('is empty without forecast weeks in the interval', () => {
    expect(forecastBand([], { fromDay: '2026-11-25', fromValue: 10, endDay: '2026-12-31' })).toEqual([]);
    expect(forecastBand(weeks, { fromDay: '2026-12-10', fromValue: 10, endDay: '2026-12-31' })).toEqual([]);
  });
});

describe('dashboards boundaries', () => {
  const files = (dir: string): string[] =>
    readdirSync(dir).filter((f) => !f.startsWith('.') && f !== 'node_modules' && f !== 'dist').flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : [join(dir, f)]));

  it('import no engine, pipelines or simulator code, and no library from a URL', () => {
    const offenders = files(join(DASH, 'src')).filter((f) => /\.(js|md)$/.test(f)).filter((f) => {
      const text = readFileSync(f, 'utf8');
      return /from\s+["'](\.\.\/)+(engine|pipelines|simulator)\//.test(text) || /from\s+["'](npm:|https?:)/.test(text);
    });
    expect(offenders).toEqual([]);
  });

  it('have data loaders that read only marts', () => {
    const loaders = files(join(DASH, 'src/data')).filter((f) => f.endsWith('.json.js'));
    expect(loaders.length).toBe(9);
    for (const f of loaders) {
      for (const m of readFileSync(f, 'utf8').matchAll(/\b(?:from|join)\s+([a-z_][a-z0-9_]*)\b/gi)) {
        if (m[1] === 'from' || m[1] === 'select') continue;
        expect(m[1], f).toMatch(/^(dim|fct|mart)_/);
      }
    }
  });

  it('serve files only from the built folder, with clean URLs', () => {
    const dist = join(DASH, 'src');
    expect(fileFor(dist, '/index.md')).toBe(join(dist, 'index.md'));
    expect(fileFor(dist, '/../package.json')).toBeNull();
    expect(fileFor(dist, '/%2e%2e/package.json')).toBeNull();
    expect(fileFor(dist, '/missing')).toBeNull();
  });

  it('let browsers keep the content-hashed assets and revalidate the pages', () => {
    expect(isImmutableAsset('/_node/d3@7.9.2/index.c8f1bfbe.js')).toBe(true);
    expect(isImmutableAsset('/_file/data/overview.5f77b525.json')).toBe(true);
    expect(isImmutableAsset('/_import/style.a77279e8.css')).toBe(true);
    expect(isImmutableAsset('/_observablehq/client.d10d8454.js?x=1')).toBe(true);
    expect(isImmutableAsset('/obiettivi-volumi')).toBe(false);
    expect(isImmutableAsset('/index.html')).toBe(false);
    expect(isImmutableAsset('/_file/data/overview.json')).toBe(false);
    expect(isImmutableAsset('/live/stream')).toBe(false);
  });
});

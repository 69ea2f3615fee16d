import { describe, expect, it } from 'vitest';
import { calendarFeatures, CALENDAR_FEATURES, weekStart } from '../../forecasting/src/features/calendar.ts';
import { buildSeries, DEFAULT_WINDOW, featureNames, windowInput, type DemandRow } from '../../forecasting/src/features/demand-features.ts';
import { buildNoShowDataset, type AppointmentRow } from '../../forecasting/src/features/noshow-features.ts';
import { ForecastInputError } from '../../forecasting/src/errors.ts';

const rows = (weeks: number, start = '2025-01-06', extra: Partial<DemandRow> = {}): DemandRow[] =>
  Array.from({ length: weeks }, (_, i) => ({
    service_id: 'S1', ats_id: 'A1', priority: 'D', week_start: new Date(Date.parse(start) + i * 7 * 86_400_000).toISOString().slice(0, 10), demand: 10 + (i % 3), ...extra,
  }));

const feature = (monday: string, name: (typeof CALENDAR_FEATURES)[number]) => calendarFeatures(monday)[CALENDAR_FEATURES.indexOf(name)]!;

describe('calendar features', () => {
  it('places a date in the week starting on its Monday', () => {
    expect(weekStart('2025-08-15')).toBe('2025-08-11');
    expect(weekStart('2025-08-11')).toBe('2025-08-11');
  });
  it('marks the Ferragosto week as August, Ferragosto and a weekday holiday, and a plain May week as none', () => {
    expect(feature('2025-08-11', 'august_share')).toBe(1);
    expect(feature('2025-08-11', 'ferragosto_share')).toBe(1);
    expect(feature('2025-08-11', 'holidays')).toBeCloseTo(1 / 5);
    expect(feature('2025-05-19', 'august_share')).toBe(0);
    expect(feature('2025-05-19', 'holidays')).toBe(0);
  });
  it('counts Easter Monday 2025 (21 April) as a holiday', () => {
    expect(feature('2025-04-21', 'holidays')).toBeCloseTo(2 / 5); // Easter Monday and 25 April
  });
});

describe('weekly demand series', () => {
  it('fills weeks without rows with zero demand on a shared calendar and sums classes into the group', () => {
    const r = rows(60).filter((_, i) => i !== 5);
    r.push({ service_id: 'S1', ats_id: 'A1', priority: 'B', week_start: '2025-01-06', demand: 4 });
    const s = buildSeries(r, 1);
    const d = s.find((x) => x.priority === 'D')!, b = s.find((x) => x.priority === 'B')!;
    expect(d.values[5]).toBe(0);
    expect(b.values.length).toBe(60);
    expect(b.values.slice(1).every((v) => v === 0)).toBe(true);
    expect(d.group[0]).toBe(d.values[0]! + 4);
  });
  it('rejects a table without the demand column, naming it', () => {
    const bad = rows(60).map(({ demand: _d, ...r }) => r) as unknown as DemandRow[];
    expect(() => buildSeries(bad, 1, 'mart ml_demand_weekly')).toThrow(/mart ml_demand_weekly: missing column\(s\) demand/);
  });
  it('rejects a series with too little history, naming the series and its weeks', () => {
    const r = [...rows(60), ...rows(10, '2026-01-05', { service_id: 'S9' })];
    try {
      buildSeries(r, 48, 'demand.csv');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ForecastInputError);
      expect((e as ForecastInputError).code).toBe('TOO_LITTLE_HISTORY');
      expect((e as Error).message).toMatch(/S9\|A1\|D \(10 weeks from 2026-01-05\)/);
    }
  });
  it('rejects a negative demand naming the series and week', () => {
    const r = rows(60);
    r[3]!.demand = -1;
    expect(() => buildSeries(r, 1)).toThrow(/series S1\|A1\|D week 2025-01-27 has demand -1/);
  });
  it('builds model inputs from the past only: changing weeks at or after the origin changes nothing', () => {
    const s = buildSeries(rows(70), 1)[0]!;
    const w = { ...DEFAULT_WINDOW, seasonalInputs: true };
    const before = windowInput(s, 60, w);
    s.values[60] = 999;
    s.values[65] = 999;
    s.group[61] = 999;
    expect(windowInput(s, 60, w)).toEqual(before);
    expect(before.length).toBe(featureNames(w).length);
  });
});

describe('no-show features', () => {
  const appt = (patient: string, date: string, noShow: boolean, extra: Partial<AppointmentRow> = {}): AppointmentRow => ({
    patient_key: patient, booked_at: '2025-01-01T09:00:00Z', appointment_date: date, age: 40, sex: 'F', reminder_sent: true, no_show: noShow, ...extra,
  });
  const cols = ['patient_key', 'booked_at', 'appointment_date', 'age', 'sex', 'reminder_sent', 'no_show'];

  it('counts prior no-shows strictly before the appointment date, never the same day or later', () => {
    const ds = buildNoShowDataset([
      appt('p', '2025-03-01', true), appt('p', '2025-02-01', true), appt('p', '2025-03-01', false), appt('p', '2025-04-01', false), appt('q', '2025-05-01', true),
    ], cols, 'test');
    const i = ds.featureNames.indexOf('prior_no_shows'), n = ds.featureNames.indexOf('prior_appointments_log1p');
    expect(ds.dates).toEqual(['2025-02-01', '2025-03-01', '2025-03-01', '2025-04-01', '2025-05-01']);
    expect(ds.x.map((r) => r[i])).toEqual([0, 1, 1, 2, 0]);
    expect(ds.x.map((r) => Math.round(Math.expm1(r[n]!)))).toEqual([0, 1, 1, 3, 0]);
  });
  it('derives lead time from booking to appointment and the lead band', () => {
    const ds = buildNoShowDataset([appt('p', '2025-01-11', false)], cols, 'test');
    expect(ds.leadDays).toEqual([10]);
    expect(ds.x[0]![ds.featureNames.indexOf('lead_8-14')]).toBe(1);
  });
  it('uses extra numeric and boolean columns as features', () => {
    const ds = buildNoShowDataset([appt('p', '2025-01-11', false, { km: 12, first_time: 'true' })], [...cols, 'km', 'first_time'], 'test');
    expect(ds.extraColumns).toEqual(['km', 'first_time']);
    expect(ds.x[0]!.slice(-2)).toEqual([12, 1]);
  });
  it('rejects a file missing required columns, naming them', () => {
    expect(() => buildNoShowDataset([], ['patient_key', 'booked_at', 'appointment_date', 'age'], 'visits.csv')).toThrow(/visits.csv: missing column\(s\) sex, reminder_sent, no_show/);
  });
  it('rejects an unreadable outcome naming the row and field', () => {
    expect(() => buildNoShowDataset([appt('p', '2025-01-11', false), appt('p', '2025-01-12', 'maybe' as never)], cols, 'visits.csv')).toThrow(/row 2 \(patient p\): no_show = "maybe"/);
  });
});

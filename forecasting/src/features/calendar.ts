/**
 * Calendar features of an ISO week (Monday start), pure. Dates are 'YYYY-MM-DD' strings, arithmetic in UTC days.
 * The Italian national holidays are a fixed list plus Easter Monday (computed), enough for weekly features.
 */
const DAY = 86_400_000;

export const toDay = (iso: string): number => Math.floor(Date.parse(`${iso.slice(0, 10)}T00:00:00Z`) / DAY);
export const fromDay = (d: number): string => new Date(d * DAY).toISOString().slice(0, 10);
export const addWeeks = (iso: string, n: number): string => fromDay(toDay(iso) + 7 * n);
/** Monday of the ISO week containing the date. */
export const weekStart = (iso: string): string => {
  const d = toDay(iso);
  const wd = (new Date(d * DAY).getUTCDay() + 6) % 7; // 0 = Monday
  return fromDay(d - wd);
};

function easterSunday(year: number): number {
  // Anonymous Gregorian algorithm
  const a = year % 19, b = Math.floor(year / 100), c = year % 100, d = Math.floor(b / 4), e = b % 4;
  const f = Math.floor((b + 8) / 25), g = Math.floor((b - f + 1) / 3), h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4), k = c % 4, l = (32 + 2 * e + 2 * i - h - k) % 7, m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31), day = ((h + l - 7 * m + 114) % 31) + 1;
  return toDay(`${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`);
}

const FIXED = ['01-01', '01-06', '04-25', '05-01', '06-02', '08-15', '11-01', '12-08', '12-25', '12-26'];
const holidayCache = new Map<number, Set<number>>();
function holidays(year: number): Set<number> {
  let s = holidayCache.get(year);
  if (!s) {
    s = new Set(FIXED.map((md) => toDay(`${year}-${md}`)));
    s.add(easterSunday(year) + 1);
    holidayCache.set(year, s);
  }
  return s;
}

export const CALENDAR_FEATURES = ['woy_sin', 'woy_cos', 'woy_sin2', 'woy_cos2', 'august_share', 'ferragosto_share', 'xmas_share', 'holidays'] as const;

/** Calendar features of the week starting on `monday`: yearly harmonics, summer and Christmas dips, weekday holidays. */
const calendarCache = new Map<string, number[]>();
export function calendarFeatures(monday: string): number[] {
  let c = calendarCache.get(monday);
  if (!c) calendarCache.set(monday, (c = computeCalendar(monday)));
  return c;
}

function computeCalendar(monday: string): number[] {
  const d0 = toDay(monday);
  let aug = 0, ferr = 0, xmas = 0, hol = 0;
  for (let i = 0; i < 7; i++) {
    const iso = fromDay(d0 + i);
    const m = Number(iso.slice(5, 7)), day = Number(iso.slice(8, 10));
    if (m === 8) aug++;
    if (m === 8 && day >= 8 && day <= 23) ferr++;
    if ((m === 12 && day >= 23) || (m === 1 && day <= 6)) xmas++;
    if (i < 5 && holidays(Number(iso.slice(0, 4))).has(d0 + i)) hol++;
  }
  const start = toDay(`${monday.slice(0, 4)}-01-01`);
  const t = (2 * Math.PI * ((d0 + 3 - start) / 365.25));
  return [Math.sin(t), Math.cos(t), Math.sin(2 * t), Math.cos(2 * t), aug / 7, ferr / 7, xmas / 7, hol / 5];
}

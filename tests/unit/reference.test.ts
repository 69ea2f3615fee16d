import { describe, expect, it } from 'vitest';
import branches from '../../reference/branches.json' with { type: 'json' };
import holidays from '../../reference/holidays.json' with { type: 'json' };
import lombardy from '../../reference/lombardy.json' with { type: 'json' };
import services from '../../reference/pngla-services.json' with { type: 'json' };
import { holidaysFor } from '../../engine/src/domain/calendar/holidays.ts';
import { parseReference } from '../../simulator/src/reference.ts';

const raw = { branches, services, holidays, lombardy };
const ref = parseReference(raw);

describe('reference data', () => {
  it('has the 69 PNGLA services: 14 visits and 55 instrumental, numbered 1-69', () => {
    const pngla = ref.services.filter((s) => s.pngla_number !== null);
    expect(pngla).toHaveLength(69);
    expect(pngla.filter((s) => s.kind === 'visit')).toHaveLength(14);
    expect(pngla.filter((s) => s.kind === 'instrumental')).toHaveLength(55);
    expect(pngla.map((s) => s.pngla_number).sort((a, b) => a! - b!)).toEqual(Array.from({ length: 69 }, (_, i) => i + 1));
  });

  it('gives every service a unique regional code, including the visits that share 89.7', () => {
    const codes = ref.services.map((s) => s.regional_code);
    expect(new Set(codes).size).toBe(codes.length);
    const cardio = ref.services.find((s) => s.pngla_number === 1);
    expect(cardio).toMatchObject({ national_code: '89.7', regional_code: '89.7.08', branch_code: '08', kind: 'visit' });
    expect(ref.services.filter((s) => s.national_code === '93.08.1').map((s) => s.regional_code)).toEqual([
      '93.08.1.1', '93.08.1.2', '93.08.1.3', '93.08.1.4', '93.08.1.5', '93.08.1.6',
    ]);
  });

  it('keeps the spot-checked codes of DOMAIN.md', () => {
    const byNumber = new Map(ref.services.map((s) => [s.pngla_number, s]));
    expect(byNumber.get(4)?.national_code).toBe('89.13');
    expect(byNumber.get(5)?.national_code).toBe('95.02');
    expect(byNumber.get(15)?.national_code).toBe('87.37.1');
    expect(byNumber.get(45)?.national_code).toBe('88.76.1');
    expect(byNumber.get(56)?.national_code).toBe('89.52');
  });

  it('versions codes: DM 1996 until 29 Dec 2024, the new LEA code from 30 Dec 2024 where known', () => {
    const cardio = ref.services.find((s) => s.pngla_number === 1)!;
    expect(cardio.codes).toEqual([
      { system: 'DM1996', code: '89.7', valid_from: '1996-01-01', valid_to: '2024-12-29' },
      { system: 'LEA2024', code: '89.7A.3', valid_from: '2024-12-30', valid_to: null },
    ]);
    for (const s of ref.services) expect(s.codes.find((c) => c.system === 'DM1996')?.code).toBe(s.national_code);
  });

  it('limits mammography and obstetric/gynaecological services to women', () => {
    for (const n of [7, 15, 16, 48, 49]) expect(ref.services.find((s) => s.pngla_number === n)?.sex).toBe('F');
  });

  it('has some non-monitored services, a lab test among them, all in known branches', () => {
    const other = ref.services.filter((s) => s.pngla_number === null);
    expect(other.length).toBeGreaterThanOrEqual(5);
    expect(other.some((s) => s.kind === 'lab')).toBe(true);
    const branchCodes = new Set(ref.branches.map((b) => b.code));
    for (const s of ref.services) expect(branchCodes.has(s.branch_code)).toBe(true);
  });

  it('lists the 8 ATS, 26 ASST and 6 public IRCCS: 32 public providers', () => {
    expect(ref.lombardy.ats.map((a) => a.code)).toEqual(['030321', '030322', '030323', '030324', '030325', '030326', '030327', '030328']);
    expect(ref.lombardy.asst).toHaveLength(26);
    expect(ref.lombardy.irccs).toHaveLength(6);
    expect(ref.lombardy.asst.length + ref.lombardy.irccs.length).toBe(ref.lombardy.publicProviderCount);
    expect(ref.lombardy.privateAccreditedCount).toBe(93);
    expect(ref.lombardy.asst.some((a) => a.code === '030716')).toBe(false);
  });

  it('adds up ATS populations to about 10 million', () => {
    const total = ref.lombardy.ats.reduce((s, a) => s + a.population, 0);
    expect(total).toBeGreaterThan(9_800_000);
    expect(total).toBeLessThan(10_100_000);
  });

  it('knows the patron day of every provincial capital and applies it to that municipality only', () => {
    expect(ref.holidays.patronDays).toHaveLength(12);
    expect(holidaysFor(ref.holidays, [2026], 'F205').get('2026-12-07')).toBe("Sant'Ambrogio");
    expect(holidaysFor(ref.holidays, [2026], 'G388').has('2026-12-07')).toBe(false);
    expect(holidaysFor(ref.holidays, [2026], 'G388').get('2026-12-09')).toBe('San Siro');
  });

  it('rejects a duplicate regional code with the file and the path', () => {
    const dup = structuredClone(services) as { services: { regional_code: string }[] };
    dup.services[1]!.regional_code = dup.services[0]!.regional_code;
    expect(() => parseReference({ ...raw, services: dup })).toThrow(/pngla-services\.json\/services\/1\/regional_code: duplicate regional code 89\.7\.08/);
  });

  it('rejects a provider placed in a municipality it does not list', () => {
    const bad = structuredClone(lombardy) as { asst: { municipalities: string[] }[] };
    bad.asst[0]!.municipalities = ['Z999'];
    expect(() => parseReference({ ...raw, lombardy: bad })).toThrow(/lombardy\.json\/asst\/0\/municipalities\/0/);
  });
});

/**
 * The in-memory free-slot index against the SQL it replaces, on a real PostgreSQL server (the index needs LISTEN/NOTIFY;
 * on PGlite the engine keeps asking SQL). Random sequences of bookings, holds, releases, cancellations, group writes,
 * closures, reopenings and slot generation; after each, the index must answer random questions exactly as `freeSlots`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb } from './harness.ts';
import { freeSlots, type AgendaRelease, type FreeSlot } from '../../engine/src/store/booking-store.ts';
import { LiveFreeSlots } from '../../engine/src/store/free-slot-cache.ts';
import type { Db } from '../../engine/src/store/db.ts';
import type { PriorityClass } from '../../engine/src/domain/offer/types.ts';

const AGENDAS = ['ag-0', 'ag-1', 'ag-2', 'ag-3', 'ag-4', 'ag-5'];
const CLASSES: (PriorityClass | null)[] = [null, 'U', 'B', 'D', 'P'];
const BASE = Date.parse('2027-01-04T07:00:00Z');
const MIN = 60_000;

/** A small deterministic PRNG (mulberry32), so a failure can be replayed from its seed. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const view = (xs: readonly FreeSlot[]) =>
  xs.map((s) => ({ id: String(s.id), agenda: s.agenda_id, start: new Date(s.start_at).getTime(), end: new Date(s.end_at).getTime(), capacity: s.capacity, booked: s.booked, cls: s.reserved_class }));

describe('free-slot index on PostgreSQL', () => {
  let db: Db;
  let live: LiveFreeSlots;
  let marker = 0;

  /** Waits until every notification committed so far has been applied (notifications arrive in commit order). */
  const settled = async () => {
    const x = `marker-${++marker}`;
    await db.query(`select pg_notify('cupola_slot', $1)`, [JSON.stringify({ x })]);
    const t0 = Date.now();
    while (live.lastXid !== x) {
      if (Date.now() - t0 > 5000) throw new Error('notifications did not arrive');
      await new Promise((r) => setTimeout(r, 2));
    }
  };

  beforeAll(async () => {
    db = await openTestDb('pg');
    await db.query(`insert into org_unit (id, level, code, name) values ('region-030', 'region', '030', 'R')`);
    await db.query(`insert into org_unit (id, level, parent_id, code, name) values ('ats-1', 'ats', 'region-030', 'A1', 'A')`);
    await db.query(`insert into org_unit (id, level, parent_id, code, name, provider_kind, ats_id) values ('prov-1', 'provider', 'ats-1', 'P1', 'P', 'asst', 'ats-1')`);
    await db.query(`insert into org_unit (id, level, parent_id, code, name, ats_id, provider_id) values ('site-1', 'site', 'prov-1', 'S1', 'S', 'ats-1', 'prov-1'),
      ('unit-1', 'unit', 'site-1', 'U1', 'U', 'ats-1', 'prov-1')`);
    await db.query(`insert into org_unit (id, level, parent_id, code, name, ats_id, provider_id) values ('clin-1', 'clinic', 'unit-1', 'C1', 'C', 'ats-1', 'prov-1')`);
    for (const a of AGENDAS)
      await db.query(`insert into agenda (id, clinic_id, ats_id, provider_id, name, access_type, valid_from, valid_to) values ($1, 'clin-1', 'ats-1', 'prov-1', $1, 'first', '2027-01-01', '2027-12-31')`, [a]);
    live = await new LiveFreeSlots(db, { reconnectMs: 200, loadWaitMs: 30_000 }).start();
    expect(live.live).toBe(true);
  });
  afterAll(async () => {
    await live?.stop();
    await db?.close();
  });

  it.each([1, 2, 3])('answers exactly like the SQL free-slot query over a random sequence of changes (seed %i)', async (seed) => {
    const r = rng(seed);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
    await db.exec(`delete from slot`);
    // 80 slots per agenda, 20 minutes apart, each agenda offset by a minute (so no two slots share a start)
    const rows: unknown[][] = [];
    AGENDAS.forEach((a, i) => {
      for (let j = 0; j < 80; j++) {
        const start = new Date(BASE + j * 20 * MIN + i * MIN);
        const cap = 1 + Math.floor(r() * 3);
        rows.push([a, start.toISOString(), new Date(start.getTime() + 15 * MIN).toISOString(), start.toISOString().slice(0, 10), cap, Math.floor(r() * (cap + 1)),
          r() < 0.6 ? null : pick(['U', 'B', 'D', 'P'])]);
      }
    });
    await db.query(`insert into slot (agenda_id, start_at, end_at, local_date, capacity, booked, reserved_class)
      select * from unnest($1::text[], $2::timestamptz[], $3::timestamptz[], $4::date[], $5::smallint[], $6::smallint[], $7::char(1)[])`,
      [0, 1, 2, 3, 4, 5, 6].map((k) => rows.map((x) => x[k])));
    await settled();
    let nextMinute = 80 * 20;
    const slotIds = async () => (await db.query<{ id: string }>(`select id::text as id from slot order by id`)).map((x) => x.id);
    let ids = await slotIds();

    const question = () => {
      const n = 1 + Math.floor(r() * AGENDAS.length);
      const agendas: AgendaRelease[] = [...AGENDAS].sort(() => r() - 0.5).slice(0, n).map((id) => ({
        id,
        releasedUntil: Object.fromEntries((['U', 'B', 'D', 'P'] as const).map((k) => [k, new Date(r() < 0.3 ? 0 : BASE + Math.floor(r() * 30 * 60) * MIN)])) as AgendaRelease['releasedUntil'],
      }));
      const from = new Date(BASE + Math.floor(r() * 20 * 60) * MIN - 60 * MIN);
      const to = new Date(from.getTime() + Math.floor(r() * 40 * 60) * MIN);
      return { agendas, cls: pick(CLASSES), from, to, per: 1 + Math.floor(r() * 6), total: r() < 0.5 ? undefined : 1 + Math.floor(r() * 12) };
    };
    const compare = async () => {
      for (let k = 0; k < 4; k++) {
        const q = question();
        const want = await freeSlots(db, q.agendas, q.cls, q.from, q.to, q.per, q.total);
        const got = await live.freeSlots(q.agendas, q.cls, q.from, q.to, q.per, q.total);
        expect(got, 'the index answered').not.toBeNull();
        expect(view(got!), JSON.stringify({ ...q, seed })).toEqual(view(want));
      }
    };

    const ops: Record<string, () => Promise<void>> = {
      // a booking or a hold (one place)
      book: async () => void (await db.query(`update slot set booked = booked + 1 where id = $1 and status = 'open' and booked < capacity`, [pick(ids)])),
      // the group writer: several places in one statement
      group: async () => void (await db.query(`update slot set booked = booked + 1 where id = any($1::bigint[]) and status = 'open' and booked < capacity`,
        [[pick(ids), pick(ids), pick(ids), pick(ids)]])),
      // a cancellation, a released hold (the sweeper), a move's old slot
      release: async () => void (await db.query(`update slot set booked = booked - 1 where id = $1 and booked > 0`, [pick(ids)])),
      // a move: one place taken, one released, in one transaction
      move: async () => db.transaction(async (tx) => {
        await tx.query(`update slot set booked = booked + 1 where id = $1 and status = 'open' and booked < capacity`, [pick(ids)]);
        await tx.query(`update slot set booked = booked - 1 where id = $1 and booked > 0`, [pick(ids)]);
      }),
      // a write rolled back leaves no trace
      rollback: async () => {
        await db.transaction(async (tx) => {
          await tx.query(`update slot set booked = 0 where id = $1`, [pick(ids)]);
          throw new Error('abort');
        }).catch(() => undefined);
      },
      // closures, suspensions and reopenings
      close: async () => void (await db.query(`update slot set status = 'closed' where id = any($1::bigint[])`, [[pick(ids), pick(ids)]])),
      reopen: async () => void (await db.query(`update slot set status = 'open' where id = $1 and status = 'closed'`, [pick(ids)])),
      retime: async () => void (await db.query(`update slot set reserved_class = $2 where id = $1`, [pick(ids), pick(['U', 'B', 'D', 'P', null])])),
      // slot generation
      generate: async () => {
        const a = pick(AGENDAS);
        const start = new Date(BASE + Math.floor(r() * nextMinute) * MIN + 7 * MIN + AGENDAS.indexOf(a) * 10 * 1000);
        await db.query(`insert into slot (agenda_id, start_at, end_at, local_date, capacity) values ($1, $2, $3, $4, 1) on conflict do nothing`,
          [a, start.toISOString(), new Date(start.getTime() + 10 * MIN).toISOString(), start.toISOString().slice(0, 10)]);
        nextMinute += 1;
        ids = await slotIds();
      },
      // this engine's own booking: applied before its notification arrives
      own: async () => {
        const id = pick(ids);
        const got = await db.query<{ booked: number; xid: string }>(
          `update slot set booked = booked + 1 where id = $1 and status = 'open' and booked < capacity returning booked, txid_current()::text as xid`, [id]);
        if (got[0]) live.ownTake({ slotId: id, booked: got[0].booked, xid: got[0].xid });
        if (got[0]) {
          // without waiting for its notification, the engine's own search sees the new count
          const start = (await db.query<{ start_at: Date; agenda_id: string }>(`select start_at, agenda_id from slot where id = $1`, [id]))[0]!;
          const all = { U: new Date('9999-01-01T00:00:00Z'), B: new Date('9999-01-01T00:00:00Z'), D: new Date('9999-01-01T00:00:00Z'), P: new Date('9999-01-01T00:00:00Z') };
          const seen = await live.freeSlots([{ id: start.agenda_id, releasedUntil: all }], null, new Date(start.start_at), new Date(new Date(start.start_at).getTime() + 1), 1);
          expect(seen!.map((s) => [String(s.id), s.booked])).toEqual((await freeSlots(db, [{ id: start.agenda_id, releasedUntil: all }], null, new Date(start.start_at), new Date(new Date(start.start_at).getTime() + 1), 1)).map((s) => [String(s.id), s.booked]));
        }
      },
      // a search racing with changes (loads under way while notifications arrive)
      race: async () => {
        live.index.dropAgenda(pick(AGENDAS));
        const q = question();
        await Promise.all([live.freeSlots(q.agendas, q.cls, q.from, q.to, q.per, q.total), ops.book!(), ops.release!(), ops.group!()]);
      },
    };
    const names = Object.keys(ops);
    for (let step = 0; step < 120; step++) {
      await ops[pick(names)]!();
      await settled();
      await compare();
    }
    expect(live.stats.fallbacks).toBe(0);
  }, 60_000);

  it('forgets everything and reloads after losing its notification connection', async () => {
    const all = { U: new Date(0), B: new Date(0), D: new Date(0), P: new Date(0) };
    const q = [{ id: 'ag-0', releasedUntil: all }];
    const before = await live.freeSlots(q, null, new Date(BASE), new Date(BASE + 90 * 86_400_000), 5);
    expect(before?.length).toBeGreaterThan(0);
    expect(live.index.agendaCount).toBeGreaterThan(0);
    const losses = live.stats.losses;
    await db.query(`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and application_name = 'cupola-listen-cupola_slot'`);
    const t0 = Date.now();
    while (live.stats.losses === losses && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 5));
    expect(live.stats.losses).toBe(losses + 1);
    expect(live.index.agendaCount).toBe(0);
    // meanwhile the caller is told to ask SQL
    expect(await live.freeSlots(q, null, new Date(BASE), new Date(BASE + 90 * 86_400_000), 5)).toBeNull();
    while (!live.live && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 20));
    expect(live.live).toBe(true);
    await db.query(`update slot set booked = capacity where id = $1`, [before![0]!.id]);
    await settled();
    expect(view((await live.freeSlots(q, null, new Date(BASE), new Date(BASE + 90 * 86_400_000), 5))!))
      .toEqual(view(await freeSlots(db, q, null, new Date(BASE), new Date(BASE + 90 * 86_400_000), 5)));
  }, 20_000);
});

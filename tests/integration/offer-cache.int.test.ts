/**
 * The engine's offer cache: a copy of the organisation tree that refreshes itself in the background once its period
 * has passed, serving the previous copy meanwhile, and waits for a reload only when its copy is too old or dropped.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OfferCache } from '../../engine/src/store/offer-cache.ts';
import type { Db } from '../../engine/src/store/db.ts';
import { openTestDb, STORES } from './harness.ts';
import { seedRegionRoot } from './fixtures.ts';

const TTL = 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rename = (db: Db, name: string) => db.query(`update org_unit set name = $1 where id = 'region-030'`, [name]);

describe.each(STORES)('offer cache on %s', (store) => {
  let db: Db;
  beforeAll(async () => {
    db = await openTestDb(store);
    await seedRegionRoot(db);
  });
  afterAll(async () => db?.close());

  it('serves its copy within the period, then the old copy once while it reloads in the background, then the new one', async () => {
    const cache = new OfferCache(TTL).refreshFrom(db);
    await rename(db, 'Lombardia v1');
    expect((await cache.node(db, 'region-030'))!.name).toBe('Lombardia v1');
    await rename(db, 'Lombardia v2'); // written by "another engine": no invalidation here
    expect((await cache.node(db, 'region-030'))!.name).toBe('Lombardia v1');
    await sleep(TTL + 20);
    expect((await cache.node(db, 'region-030'))!.name).toBe('Lombardia v1');
    await expect.poll(async () => (await cache.node(db, 'region-030'))!.name, { timeout: 5_000, interval: 20 }).toBe('Lombardia v2');
  });

  it('waits for a reload when its copy is older than twice the period, or when it has none', async () => {
    const cache = new OfferCache(TTL).refreshFrom(db);
    await rename(db, 'Lombardia v3');
    expect((await cache.node(db, 'region-030'))!.name).toBe('Lombardia v3');
    await rename(db, 'Lombardia v4');
    await sleep(2 * TTL + 20);
    expect((await cache.node(db, 'region-030'))!.name).toBe('Lombardia v4');
    await rename(db, 'Lombardia v5');
    cache.invalidate(); // a write through this engine
    expect((await cache.node(db, 'region-030'))!.name).toBe('Lombardia v5');
  });

  it('without a database to refresh from, waits for the reload as soon as the period has passed', async () => {
    const cache = new OfferCache(TTL);
    await rename(db, 'Lombardia v6');
    expect((await cache.node(db, 'region-030'))!.name).toBe('Lombardia v6');
    await rename(db, 'Lombardia v7');
    await sleep(TTL + 20);
    expect((await cache.node(db, 'region-030'))!.name).toBe('Lombardia v7');
  });
});

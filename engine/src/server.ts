import type { FastifyInstance } from 'fastify';
import type { Config } from './config.ts';
import { buildApp } from './http/app.ts';
import { loadEngineReference } from './reference.ts';
import type { Db } from './store/db.ts';
import { OfferCache } from './store/offer-cache.ts';
import { startSweeper } from './usecases/sweeper.ts';

/** Starts the HTTP engine on an open, migrated store. */
export async function startServer(db: Db, config: Config, opts: { logger?: boolean } = {}): Promise<{ app: FastifyInstance; url: string }> {
  const ref = await loadEngineReference();
  const offer = new OfferCache();
  const app = await buildApp({ db, ref, offer, jwtSecret: config.jwtSecret, jwksUrl: config.jwksUrl, logger: opts.logger ?? false });
  const sweeper = startSweeper({ db, ref, offer });
  app.addHook('onClose', async () => sweeper.stop());
  const address = await app.listen({ port: config.port, host: config.host });
  return { app, url: address.replace('[::1]', 'localhost') };
}

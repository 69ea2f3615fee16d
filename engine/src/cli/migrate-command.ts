import { loadConfig } from '../config.ts';
import { migrate } from '../store/migrate.ts';
import { openDb } from '../store/open.ts';
import type { Command } from './args.ts';

export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'apply the numbered SQL migrations to the store (PostgreSQL or embedded PGlite)',
  usage: '',
  options: {},
  async run() {
    const cfg = loadConfig();
    const db = await openDb(cfg);
    try {
      const applied = await migrate(db);
      console.log(applied.length ? `applied ${applied.join(', ')}` : 'schema is up to date');
      console.log(`migrate: ${applied.length} migrations applied on ${db.kind}`);
    } finally {
      await db.close();
    }
  },
};

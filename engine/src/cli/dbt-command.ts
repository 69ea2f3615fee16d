import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Command } from './args.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** `cupola dbt <args>`: runs dbt (project virtualenv, created on first use by scripts/dbt.sh) on the lake. */
export const dbtCommand: Command = {
  name: 'dbt',
  summary: 'run dbt on the lake (e.g. `cupola dbt -- build`); the warehouse is $CUPOLA_DATA_DIR/warehouse.duckdb',
  usage: '<dbt arguments>   (e.g. cupola dbt build, cupola dbt source freshness)',
  options: {},
  passthrough: true,
  async run() {
    const i = process.argv.indexOf('dbt');
    const args = process.argv.slice(i + 1).filter((a, k) => !(k === 0 && a === '--'));
    return new Promise<number>((resolve) => {
      const child = spawn(`${ROOT}scripts/dbt.sh`, args, { stdio: 'inherit', cwd: ROOT });
      child.on('exit', (code) => resolve(code ?? 1));
    });
  },
};

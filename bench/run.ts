/**
 * Benchmark dispatcher: `npm run bench -- <name> [--quick]` runs bench/<name>.ts.
 * Each benchmark prints human-readable lines first and, as its last line, one JSON object with the figures.
 */
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';

const dir = fileURLToPath(new URL('.', import.meta.url));
const [name, ...rest] = process.argv.slice(2);
const available = readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.startsWith('_')).map((f) => f.slice(0, -3));
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- <name> [--quick]\navailable: ${available.join(', ')}`);
  process.exit(2);
}
const file = join(dir, `${name}.ts`);
if (!existsSync(file)) process.exit(2);
process.argv = [process.argv[0]!, file, ...rest];
await import(pathToFileURL(file).href);

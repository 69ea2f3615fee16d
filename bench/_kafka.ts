import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * KAFKA_BROKERS, or a broker started with scripts/kafka.sh (left running; `CUPOLA_KAFKA_PORT=<port> scripts/kafka.sh stop`
 * stops it). The benchmarks' own broker listens on CUPOLA_KAFKA_PORT, default 59292 — not the test suite's 59092,
 * whose broker the fault tests restart.
 */
export function kafkaBrokers(): string {
  if (process.env.KAFKA_BROKERS) return process.env.KAFKA_BROKERS;
  const script = fileURLToPath(new URL('../scripts/kafka.sh', import.meta.url));
  const env = { ...process.env, CUPOLA_KAFKA_PORT: process.env.CUPOLA_KAFKA_PORT ?? '59292' };
  const out = execFileSync(script, ['start'], { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').pop()!;
  return out.replace(/^KAFKA_BROKERS=/, '');
}

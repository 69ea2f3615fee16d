import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** KAFKA_BROKERS, or a broker started with scripts/kafka.sh (left running; `scripts/kafka.sh stop` stops it). */
export function kafkaBrokers(): string {
  if (process.env.KAFKA_BROKERS) return process.env.KAFKA_BROKERS;
  const script = fileURLToPath(new URL('../scripts/kafka.sh', import.meta.url));
  const out = execFileSync(script, ['start'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').pop()!;
  return out.replace(/^KAFKA_BROKERS=/, '');
}


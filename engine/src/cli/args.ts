import { parseArgs } from 'node:util';

export interface Option {
  type: 'string' | 'boolean';
  description?: string;
  short?: string;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: Record<string, Option>;
  /** arguments are passed through untouched (read from process.argv by the command) */
  passthrough?: boolean;
  /** exit code; -1 = keep running (a server) */
  run(values: Record<string, string | boolean | undefined>): Promise<number | void>;
}

export function helpText(c: Command): string {
  const lines = [`cupola ${c.name} — ${c.summary}`, '', `usage: cupola ${c.name} ${c.usage}`.trimEnd(), ''];
  for (const [k, o] of Object.entries(c.options)) lines.push(`  --${k}${o.type === 'string' ? ' <value>' : ''}`.padEnd(28) + (o.description ?? ''));
  lines.push('  --help'.padEnd(28) + 'show this help');
  return lines.join('\n');
}

export function parse(c: Command, argv: string[]) {
  if (c.passthrough) return (argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h') ? { help: true } : {}) as Record<string, string | boolean | undefined>;
  const options = Object.fromEntries(
    Object.entries(c.options).map(([k, o]) => [k, { type: o.type, ...(o.short ? { short: o.short } : {}) }]),
  );
  return parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false })
    .values as Record<string, string | boolean | undefined>;
}

import { parseArgs, type ParseArgsConfig } from 'node:util';

export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  run(values: Record<string, string | boolean | undefined>): Promise<number | void>;
}

export function helpText(c: Command): string {
  const lines = [`cupola ${c.name} — ${c.summary}`, '', `usage: cupola ${c.name} ${c.usage}`, ''];
  for (const [k, o] of Object.entries(c.options)) {
    const d = (o as { description?: string }).description ?? '';
    lines.push(`  --${k}${o.type === 'string' ? ' <value>' : ''}`.padEnd(28) + d);
  }
  return lines.join('\n');
}

export function parse(c: Command, argv: string[]) {
  return parseArgs({ args: argv, options: { ...c.options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false }).values as Record<
    string,
    string | boolean | undefined
  >;
}

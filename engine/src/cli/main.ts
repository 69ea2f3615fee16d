import { helpText, parse, type Command } from './args.ts';
import { migrateCommand } from './migrate-command.ts';
import { serveCommand } from './serve-command.ts';
import { tokenCommand } from './token-command.ts';
import { seedCommand } from './seed-command.ts';
import { upCommand } from './up-command.ts';
import { relayCommand } from './relay-command.ts';
import { sinkCommand } from './sink-command.ts';
import { simulateCommand } from './simulate-command.ts';
import { dbtCommand } from './dbt-command.ts';
import { forecastCommand } from './forecast-command.ts';

const COMMANDS: Command[] = [upCommand, migrateCommand, seedCommand, serveCommand, tokenCommand, relayCommand, sinkCommand, simulateCommand, dbtCommand, forecastCommand];

function usage(): string {
  return [
    'cupola — regional booking centre (CUP) for outpatient specialist care',
    '',
    'usage: cupola <command> [--help]',
    '',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`),
    '',
    'environment: DATABASE_URL (unset → embedded PGlite), CUPOLA_DATA_DIR (./data), PORT (3000), CUPOLA_JWT_SECRET, CUPOLA_JWKS_URL',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? 0 : 2;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    console.error(`unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  let values;
  try {
    values = parse(cmd, rest);
  } catch (e) {
    console.error(`${(e as Error).message}\n\n${helpText(cmd)}`);
    return 2;
  }
  if (values.help) {
    console.log(helpText(cmd));
    return 0;
  }
  return (await cmd.run(values)) ?? 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== -1) process.exitCode = code;
  },
  (e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exitCode = 1;
  },
);

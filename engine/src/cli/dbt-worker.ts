/**
 * A long-lived dbt process (scripts/dbt_worker.py through `scripts/dbt.sh --worker`): builds are asked for one at a
 * time and answered without starting Python, importing dbt and parsing the project again. The platform's scheduled
 * marts refresh and `bench dbt` use it; one-off commands (`cupola dbt`, scripts/dashboards.sh) still run dbt itself.
 * Between builds the worker holds no lock on the warehouse, so other processes can read it.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const DBT_SH = fileURLToPath(new URL('../../../scripts/dbt.sh', import.meta.url));

/** One build's answer: `seconds` is the worker's own time for it (parse when needed, dbt, closing the warehouse). */
export interface DbtRun {
  ok: boolean;
  seconds: number;
  /** whether the project was parsed for this run (first run, project files or --vars changed) */
  parsed: boolean;
  /** whether a plain build left the seeds out: this worker's last build loaded them, and nobody wrote the warehouse since */
  seeds_skipped?: boolean;
  /** node statuses, e.g. "PASS=56 SUCCESS=32 TOTAL=88" */
  summary: string;
  failures: { node: string; message: string }[];
  error: string | null;
  /** of `seconds`, closing the warehouse after the run (DuckDB checkpoints what the run's own checkpoints left) */
  close_seconds?: number;
}

export class DbtWorker {
  /** requests sent and not answered yet: the worker answers them one at a time, in order */
  private readonly waiting: { resolve: (r: DbtRun) => void; reject: (e: Error) => void }[] = [];
  private stderrTail = '';
  private exited: Error | null = null;
  private readonly ready: Promise<void>;

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    let onReady: () => void;
    let onFail: (e: Error) => void;
    this.ready = new Promise<void>((res, rej) => ((onReady = res), (onFail = rej)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const msg = JSON.parse(line) as DbtRun & { ready?: boolean };
      if (msg.ready) return onReady();
      this.waiting.shift()?.resolve(msg);
    });
    child.stderr.on('data', (d: Buffer) => (this.stderrTail = (this.stderrTail + d.toString()).slice(-8000)));
    child.on('exit', (code, signal) => {
      this.exited = new Error(`the dbt worker exited (${signal ?? `code ${code}`}): ${this.stderrTail.slice(-3000)}`);
      onFail(this.exited);
      for (const w of this.waiting.splice(0)) w.reject(this.exited);
    });
  }

  /** Starts the worker on `dataDir` (the lake is read from it, the warehouse written in it); resolves once it is ready. */
  static async start(opts: { dataDir: string; env?: NodeJS.ProcessEnv }): Promise<DbtWorker> {
    const child = spawn('bash', [DBT_SH, '--worker'], { env: { ...(opts.env ?? process.env), CUPOLA_DATA_DIR: opts.dataDir }, stdio: 'pipe' });
    const w = new DbtWorker(child);
    await w.ready;
    return w;
  }

  /** Runs dbt with these arguments (e.g. ["build", "--quiet"]) after any run still under way. */
  run(args: string[]): Promise<DbtRun> {
    return new Promise<DbtRun>((resolve, reject) => {
      if (this.exited) return reject(this.exited);
      this.waiting.push({ resolve, reject });
      this.child.stdin.write(`${JSON.stringify({ args })}\n`);
    });
  }

  /** Ends the worker after the run under way (if any); a stop during a build interrupts it (`kill: true`). */
  async stop(opts: { kill?: boolean } = {}): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((res) => this.child.once('exit', () => res()));
    if (opts.kill) this.child.kill('SIGTERM');
    else this.child.stdin.end();
    await gone;
  }
}

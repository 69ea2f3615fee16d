import cliProgress from 'cli-progress';

/** A progress bar on stderr (plain lines when stderr is not a terminal, so CI logs stay readable). */
export function progressBar(label: string) {
  const tty = process.stderr.isTTY;
  const bar = tty
    ? new cliProgress.SingleBar(
        { format: `${label} {phase} [{bar}] {percentage}% | {value}/{total}`, stream: process.stderr, hideCursor: true },
        cliProgress.Presets.shades_classic,
      )
    : null;
  let phase = '';
  let lastPct = -1;
  return {
    update(done: number, total: number, p: string) {
      if (bar) {
        if (p !== phase) {
          if (phase) bar.stop();
          bar.start(total, done, { phase: p.padEnd(16) });
        } else bar.update(done, { phase: p.padEnd(16) });
      } else {
        const pct = total ? Math.floor((done / total) * 10) * 10 : 100;
        if (p !== phase || pct !== lastPct) process.stderr.write(`${label} ${p}: ${done}/${total} (${pct}%)\n`);
        lastPct = pct;
      }
      phase = p;
    },
    stop() {
      bar?.stop();
    },
  };
}

/** Stops a long-running command cleanly on SIGINT/SIGTERM: runs `stop`, then exits. */
export function onShutdown(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = async () => {
    if (stopping) return;
    stopping = true;
    try {
      await stop();
    } finally {
      process.exit(0);
    }
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
}

/** Closes `what` once on SIGINT or SIGTERM, then exits (1 when closing failed): an emulator's command-line main. */
export function closeOnSignals(what: { close(): Promise<void> }, name: string): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: closing the ${name}`);
    what.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

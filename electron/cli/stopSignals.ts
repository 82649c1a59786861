/**
 * How a long verb (train, cv, sweep) stops on signals, once for all of them: the first Ctrl-C asks the job to
 * cancel after its current batch (saying so unless output is JSON), a second one forces exit 130; SIGTERM — what a
 * service manager or a session's end sends — interrupts resumably where the job can (`interrupt`), else cancels.
 */
export interface StopSignalsOptions {
  cancel: () => unknown;
  /** Resumable stop for SIGTERM; absent: SIGTERM cancels as Ctrl-C does. */
  interrupt?: () => unknown;
  /** What the first Ctrl-C tells a human, e.g. "stopping after this batch". */
  message: string;
  json: boolean;
}

/** Installs the handlers; returns the function that removes them. */
export function onStopSignals(o: StopSignalsOptions): () => void {
  let count = 0;
  const onSigint = () => {
    count++;
    if (count > 1) process.exit(130);
    if (!o.json) process.stderr.write(`\n${o.message} (Ctrl-C again to force)…\n`);
    void o.cancel();
  };
  const onSigterm = o.interrupt ? () => void o.interrupt!() : onSigint;
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);
  return () => {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigterm);
  };
}

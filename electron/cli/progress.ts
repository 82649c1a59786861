/**
 * Terminal progress bars (cli-progress) on stderr, only when stderr is a terminal: piped output and
 * --json stay clean. ETA comes from the engine's own estimate when it has one.
 */
import cliProgress from 'cli-progress';

export interface Bar {
  update(done: number, payload?: Record<string, string | number>): void;
  setTotal(total: number): void;
  stop(): void;
}

const noop: Bar = { update() {}, setTotal() {}, stop() {} };

export function progressBar(label: string, total: number, opts: { enabled?: boolean; format?: string } = {}): Bar {
  const enabled = opts.enabled ?? Boolean(process.stderr.isTTY);
  if (!enabled) return noop;
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: opts.format ?? `${label} {bar} {percentage}% | {value}/{total} | ETA {eta_formatted} {detail}`,
      barCompleteChar: '█',
      barIncompleteChar: '░',
      hideCursor: true,
      etaBuffer: 50,
      fps: 10,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { detail: '' });
  return {
    update: (done, payload) => bar.update(done, payload ?? {}),
    setTotal: (t) => bar.setTotal(t),
    stop: () => bar.stop(),
  };
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

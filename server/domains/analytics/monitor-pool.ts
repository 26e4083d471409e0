import { Worker } from 'node:worker_threads';
import {
  monitor,
  type Evaluation,
  type MonitorOptions,
  type Series,
} from '../../../core/analytics/monitor.ts';

export type MonitorResult = ReturnType<typeof monitor>;

/**
 * Below this many series × periods one thread is faster: starting a worker and loading the engine costs about as
 * much as evaluating a thousand weekly series (measured in bench/analytics.bench.ts).
 */
export const PARALLEL_MIN_CELLS = 250_000;

/**
 * Runs `monitor` on both cores when the work is large enough: a worker thread takes the second half of the series
 * while this thread evaluates the first, and the results are concatenated in series order.
 */
export async function monitorSeries(
  series: readonly Series[],
  options: MonitorOptions,
): Promise<MonitorResult> {
  const cells = series.reduce((n, s) => n + s.counts.length, 0);
  if (cells < PARALLEL_MIN_CELLS || series.length < 2) return monitor(series, options);
  const half = Math.ceil(series.length / 2);
  const theirs = runInWorker(series.slice(half), options);
  const mine = monitor(series.slice(0, half), options);
  const other = await theirs;
  return {
    alarms: [...mine.alarms, ...other.alarms],
    latest: [...mine.latest, ...other.latest],
    notConverged: mine.notConverged + other.notConverged,
  };
}

function runInWorker(series: readonly Series[], options: MonitorOptions): Promise<MonitorResult> {
  const worker = new Worker(new URL('./monitor-worker.ts', import.meta.url), {
    workerData: { series, options },
  });
  return new Promise((resolve, reject) => {
    worker.once('message', (m: { alarms: Evaluation[]; latest: Evaluation[]; notConverged: number }) => {
      resolve(m);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`analytics worker stopped with exit code ${code}`));
    });
  });
}

/**
 * worker_threads worker of the analytics benchmark: runs farringtonFlexible (Noufaily defaults) on the latest week
 * of series [from, to) of a panel held in a SharedArrayBuffer, so two of these split the panel across both cores.
 * Message in: { id, counts, weeks, from, to }; out: { id, ms, upperbound, alarm } (NaN / 0 where there is none).
 */
import { parentPort } from 'node:worker_threads';
import { farringtonFlexible } from '../../core/analytics/farrington.ts';

export type FarringtonJob = { id: number; counts: Float64Array; weeks: number; from: number; to: number };
export type FarringtonJobResult = { id: number; ms: number; upperbound: Float64Array; alarm: Uint8Array };

const port = parentPort;
if (!port) throw new Error('analytics-farrington.ts runs as a worker thread');

port.on('message', (job: FarringtonJob) => {
  const { counts, weeks, from, to } = job;
  const upperbound = new Float64Array(to - from);
  const alarm = new Uint8Array(to - from);
  const range = [weeks];
  const t0 = performance.now();
  for (let i = from; i < to; i++) {
    const row = farringtonFlexible(counts.subarray(i * weeks, (i + 1) * weeks), range)[0]!;
    upperbound[i - from] = row.upperbound ?? Number.NaN;
    alarm[i - from] = row.alarm === true ? 1 : 0;
  }
  const result: FarringtonJobResult = { id: job.id, ms: performance.now() - t0, upperbound, alarm };
  port.postMessage(result, [upperbound.buffer, alarm.buffer]);
});

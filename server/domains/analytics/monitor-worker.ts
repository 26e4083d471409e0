import { parentPort, workerData } from 'node:worker_threads';
import { monitor, type MonitorOptions, type Series } from '../../../core/analytics/monitor.ts';

// Worker-thread entry for monitor-pool.ts: evaluates its share of the series and posts the result back.
const { series, options } = workerData as { series: Series[]; options: MonitorOptions };
parentPort!.postMessage(monitor(series, options));

import { describe, expect, it } from 'vitest';
import { DEFAULT_MONITOR, monitor, type Series } from '../../../core/analytics/monitor.ts';
import { createRandom } from '../../../core/synthetic/random.ts';
import { PARALLEL_MIN_CELLS, monitorSeries } from './monitor-pool.ts';

describe('early warning on two cores', () => {
  it('gives exactly the single-thread result, in series order', async () => {
    const random = createRandom(7);
    const series: Series[] = [];
    for (let i = 0; series.length * 300 < PARALLEL_MIN_CELLS + 300; i++) {
      const mean = 0.5 + random.next() * 10;
      const counts = Float64Array.from({ length: 300 }, (_, t) =>
        Math.round(
          mean * (1 + 0.3 * Math.sin(t / 8)) + random.next() * 3 + (t === 299 && i % 7 === 0 ? 15 : 0),
        ),
      );
      series.push({ areaKey: `A${i}`, termCode: '*', counts });
    }
    const options = { ...DEFAULT_MONITOR.week, windowPeriods: 2 };
    const parallel = await monitorSeries(series, options);
    expect(parallel).toEqual(monitor(series, options));
    expect(parallel.alarms.length).toBeGreaterThan(0);
  });
});

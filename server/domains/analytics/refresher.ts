import type { Db } from '../../db/database.ts';
import type { Clock } from '../../platform/clock.ts';
import { recomputeAnalytics, type RecomputeReason, type RecomputeSummary } from './recompute.ts';

/**
 * Keeps the stored analytics current inside one server process: a request after each import or rollback, and a
 * timer that catches changes made elsewhere (the CLI, another process) by comparing the data version. Requests that
 * arrive while a run is going coalesce into one more run. Runs happen after the change has committed, never inside
 * its transaction, so an import is never slowed or failed by the analytics.
 */
export type AnalyticsRefresher = {
  request(reason: RecomputeReason): void;
  /** Resolves when no run is pending or going (tests, shutdown). */
  settle(): Promise<void>;
  stop(): void;
};

export function createAnalyticsRefresher(
  db: Db,
  clock: Clock,
  options: {
    intervalMinutes: number;
    onError: (e: unknown) => void;
    onRun?: (s: RecomputeSummary) => void;
  },
): AnalyticsRefresher {
  let running: Promise<void> | null = null;
  let pending: RecomputeReason | null = null;
  let stopped = false;

  const runOnce = async (reason: RecomputeReason) => {
    try {
      const summary = await recomputeAnalytics(db, clock, null, {
        reason,
        onlyIfChanged: reason === 'schedule',
      });
      options.onRun?.(summary);
    } catch (e) {
      options.onError(e);
    }
  };
  const drain = async () => {
    while (pending && !stopped) {
      const reason = pending;
      pending = null;
      await runOnce(reason);
    }
    running = null;
  };
  const request = (reason: RecomputeReason) => {
    if (stopped) return;
    // A change request outranks a scheduled check: it must not be skipped as "unchanged".
    pending = pending && pending !== 'schedule' ? pending : reason;
    running ??= drain();
  };
  const timer =
    options.intervalMinutes > 0
      ? setInterval(() => request('schedule'), options.intervalMinutes * 60_000)
      : null;
  timer?.unref();
  return {
    request,
    settle: async () => {
      while (running) await running;
    },
    stop: () => {
      stopped = true;
      if (timer) clearInterval(timer);
    },
  };
}

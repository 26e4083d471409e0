/** The one place the server reads the time, so tests can pin it. */
export type Clock = { now(): Date };

export const systemClock: Clock = { now: () => new Date() };

export const fixedClock = (iso: string): Clock => ({ now: () => new Date(iso) });

export const isoNow = (clock: Clock = systemClock): string => clock.now().toISOString();

import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../../db/database.ts';
import {
  DEFAULT_THROTTLE_RULES,
  DEVICE_COOKIE,
  loadThrottleSecret,
  rememberDevice,
} from '../../platform/auth/throttle.ts';
import type { Clock } from '../../platform/clock.ts';

const DEVICE_COOKIE_OPTIONS = {
  path: '/',
  secure: true,
  httpOnly: true,
  sameSite: 'strict',
  maxAge: Math.floor(DEFAULT_THROTTLE_RULES.knownForMs / 1000),
} as const;

export function setDeviceCookie(reply: FastifyReply, token: string | null): void {
  if (token) reply.setCookie(DEVICE_COOKIE, token, DEVICE_COOKIE_OPTIONS);
}

/**
 * After a sign-in completed without a password (a passkey, or single sign-on with its second factor), the browser
 * is remembered as one that has fully signed in to the account, as after a password and code: login throttling
 * then judges it on its own failures, so an attack on the account cannot lock this browser out.
 */
export async function rememberBrowser(
  deps: { db: Db; clock: Clock; dataDir: string },
  request: FastifyRequest,
  reply: FastifyReply,
  userId: string,
): Promise<void> {
  const token = await rememberDevice(
    deps.db.kysely,
    loadThrottleSecret(deps.dataDir),
    userId,
    request.cookies[DEVICE_COOKIE] ?? null,
    deps.clock,
  );
  setDeviceCookie(reply, token);
}

import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import type { Clock } from './clock.ts';

/** Every API route lives under this prefix. */
export const API_PREFIX = '/api/v1';

/** The Fastify instance every route module receives, typed for zod schemas. */
export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

/** What route modules need from the composition root. */
export type AppDeps = {
  db: Db;
  config: Config;
  clock: Clock;
  /** Keeps the stored analytics current; absent in tests that do not exercise it. */
  analytics?: { request(reason: 'import' | 'rollback' | 'manual'): void };
};

export type RouteModule = (app: App, deps: AppDeps) => void | Promise<void>;

import path from 'node:path';
import { z } from 'zod';

const booleanFlag = z
  .enum(['0', '1', 'true', 'false', 'yes', 'no'])
  .transform((v) => v === '1' || v === 'true' || v === 'yes');

const envSchema = z.object({
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATA_DIR: z.string().min(1).default('data'),
  DATABASE_URL: z
    .string()
    .refine((v) => /^postgres(ql)?:\/\//.test(v), {
      message: 'must be a postgres:// URL; leave it unset to use the embedded SQLite database',
    })
    .optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DEMO_CITY: booleanFlag.default(true),
  MAX_UPLOAD_MB: z.coerce.number().int().min(1).max(2048).default(256),
  URL_FETCH_TIMEOUT_MS: z.coerce.number().int().min(100).default(30000),
  TRUST_PROXY: booleanFlag.default(false),
  SESSION_IDLE_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(30),
  SESSION_ABSOLUTE_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 30)
    .default(12),
  // Ed25519 PEM signing audit checkpoints; default <DATA_DIR>/audit-signing-key.pem, created on first use.
  AUDIT_SIGNING_KEY_FILE: z.string().min(1).optional(),
  AUDIT_CHECKPOINT_EVERY: z.coerce.number().int().min(1).default(1000),
  // Minutes between checks that recompute the analytics when the data changed elsewhere (CLI, another process); 0 = off.
  ANALYTICS_REFRESH_MINUTES: z.coerce
    .number()
    .int()
    .min(0)
    .max(24 * 60)
    .default(60),
  // Passkeys: the relying party is the console's host name; the origin is what browsers report (docs/security.md).
  WEBAUTHN_RP_ID: z.string().min(1).default('localhost'),
  WEBAUTHN_RP_NAME: z.string().min(1).max(64).default('Cohesion'),
  WEBAUTHN_ORIGIN: z.url({ protocol: /^https?$/ }).optional(),
  // Single sign-on over OpenID Connect: ISSUER, CLIENT_ID and CLIENT_SECRET together or not at all.
  OIDC_ISSUER: z.url({ protocol: /^https?$/ }).optional(),
  OIDC_CLIENT_ID: z.string().min(1).optional(),
  OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  OIDC_REDIRECT_URI: z.url({ protocol: /^https?$/ }).optional(),
  OIDC_LABEL: z.string().min(1).max(60).default('City single sign-on'),
  OIDC_TRUST_MFA: booleanFlag.default(false),
});

export type OidcConfig = {
  issuer: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  label: string;
  /** An ID token whose `amr` names a second factor satisfies Cohesion's second factor. */
  trustMfa: boolean;
};

export type Config = {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  sqlitePath: string;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  demoCity: boolean;
  maxUploadBytes: number;
  urlFetchTimeoutMs: number;
  /** Behind a reverse proxy, take the client address from X-Forwarded-For (login throttling per client). */
  trustProxy: boolean;
  sessionIdleMs: number;
  sessionAbsoluteMs: number;
  auditSigningKeyFile: string | undefined;
  auditCheckpointEvery: number;
  analyticsRefreshMinutes: number;
  webauthn: { rpId: string; rpName: string; origin: string };
  /** Undefined when single sign-on is not configured. */
  oidc: OidcConfig | undefined;
};

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Reads the environment once, listing every problem rather than stopping at the first. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const input = Object.fromEntries(
    Object.keys(envSchema.shape).map((key) => [key, env[key] === '' ? undefined : env[key]]),
  );
  const parsed = envSchema.safeParse(input);
  const signIn = signInProblems(input);
  if (!parsed.success || signIn.length > 0) {
    throw new ConfigError([
      ...(parsed.error?.issues ?? []).map(
        (issue) =>
          `${issue.path.join('.')}: ${issue.message} (got ${JSON.stringify(input[String(issue.path[0])])})`,
      ),
      ...signIn,
    ]);
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.DATA_DIR);
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir,
    databaseUrl: e.DATABASE_URL,
    sqlitePath: path.join(dataDir, 'cohesion.sqlite'),
    logLevel: e.LOG_LEVEL,
    demoCity: e.DEMO_CITY,
    maxUploadBytes: e.MAX_UPLOAD_MB * 1024 * 1024,
    urlFetchTimeoutMs: e.URL_FETCH_TIMEOUT_MS,
    trustProxy: e.TRUST_PROXY,
    sessionIdleMs: e.SESSION_IDLE_MINUTES * 60_000,
    sessionAbsoluteMs: e.SESSION_ABSOLUTE_HOURS * 3_600_000,
    auditSigningKeyFile:
      e.AUDIT_SIGNING_KEY_FILE === undefined ? undefined : path.resolve(e.AUDIT_SIGNING_KEY_FILE),
    auditCheckpointEvery: e.AUDIT_CHECKPOINT_EVERY,
    analyticsRefreshMinutes: e.ANALYTICS_REFRESH_MINUTES,
    webauthn: {
      rpId: e.WEBAUTHN_RP_ID,
      rpName: e.WEBAUTHN_RP_NAME,
      origin: new URL(e.WEBAUTHN_ORIGIN ?? `http://localhost:${e.PORT}`).origin,
    },
    oidc:
      e.OIDC_ISSUER && e.OIDC_CLIENT_ID && e.OIDC_CLIENT_SECRET
        ? {
            issuer: e.OIDC_ISSUER,
            clientId: e.OIDC_CLIENT_ID,
            clientSecret: e.OIDC_CLIENT_SECRET,
            redirectUri: e.OIDC_REDIRECT_URI ?? `http://localhost:${e.PORT}/api/v1/auth/oidc/callback`,
            label: e.OIDC_LABEL,
            trustMfa: e.OIDC_TRUST_MFA,
          }
        : undefined,
  };
}

const OIDC_REQUIRED = ['OIDC_ISSUER', 'OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET'] as const;

const isLoopback = (host: string): boolean =>
  host === 'localhost' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);

function urlOf(text: string | undefined): URL | undefined {
  return text !== undefined && URL.canParse(text) ? new URL(text) : undefined;
}

/**
 * What ties several sign-in variables together. Browsers allow WebAuthn and `Secure` cookies over plain http only
 * on the loopback host, so anything else must be https.
 */
function signInProblems(input: Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  const rpId = input.WEBAUTHN_RP_ID ?? 'localhost';
  const origin = urlOf(input.WEBAUTHN_ORIGIN ?? `http://localhost:${input.PORT ?? 3000}`);
  if (origin && origin.hostname !== rpId && !origin.hostname.endsWith(`.${rpId}`))
    problems.push(
      `WEBAUTHN_RP_ID: must be the host of WEBAUTHN_ORIGIN or a parent domain of it (got "${rpId}")`,
    );
  if (origin?.protocol === 'http:' && !isLoopback(origin.hostname))
    problems.push(`WEBAUTHN_ORIGIN: must be https unless the host is localhost (got "${origin.origin}")`);
  const set = OIDC_REQUIRED.filter((key) => input[key] !== undefined);
  if (set.length > 0 && set.length < OIDC_REQUIRED.length) {
    const missing = OIDC_REQUIRED.filter((key) => input[key] === undefined);
    problems.push(`${missing.join(', ')}: required with ${set.join(', ')} (single sign-on needs all three)`);
  }
  for (const key of ['OIDC_ISSUER', 'OIDC_REDIRECT_URI'] as const) {
    const url = urlOf(input[key]);
    if (url?.protocol === 'http:' && !isLoopback(url.hostname))
      problems.push(`${key}: must be https unless the host is loopback (got "${input[key]}")`);
  }
  return problems;
}

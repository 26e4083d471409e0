/**
 * Municipal single sign-on over OpenID Connect: Authorization Code with PKCE (S256), state and nonce, all through
 * openid-client, which also discovers the provider, validates the ID token (signature, issuer, audience, expiry,
 * nonce) and the authorization response (state, `iss`). Nothing here parses or signs a JOSE object.
 *
 * Between the redirect to the provider and its redirect back, the state, nonce and PKCE verifier travel in a
 * short-lived `__Host-` cookie sealed with AES-256-GCM under a key this process draws at start: the browser can
 * neither read nor alter them, no unauthenticated request leaves anything on the server, and the flow cannot be
 * finished in another browser. An authorization code is single use at the provider, so a replayed callback fails
 * there even with the cookie. A restart (or another instance, issue 8) abandons flows in progress: the person
 * clicks the sign-on button again.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import * as oidc from 'openid-client';
import { z } from 'zod';
import type { OidcConfig } from '../../config.ts';
import type { Clock } from '../clock.ts';

export const OIDC_COOKIE = '__Host-cohesion_oidc';
/** How long the person has at the provider (sign-in, consent) before the flow is abandoned. */
export const OIDC_FLOW_TTL_MS = 10 * 60_000;
/** Scopes asked for: who the person is and a verified email to find their invited account by. Nothing more. */
const SCOPES = 'openid email';
/** `amr` values (RFC 8176) that mean the provider checked more than one factor. */
const MULTI_FACTOR_AMR = new Set(['mfa', 'otp', 'hwk']);

export type OidcIdentity = {
  issuer: string;
  subject: string;
  email: string | undefined;
  emailVerified: boolean;
  amr: string[];
};

/** Why a callback was refused, as recorded in the audit trail (never the token or its claims). */
export type OidcRefusal =
  | 'flow_missing'
  | 'flow_expired'
  | 'state_mismatch'
  | 'provider_error'
  | 'code_exchange_failed'
  | 'provider_unreachable';

export class OidcRefused extends Error {
  readonly reason: OidcRefusal;
  constructor(reason: OidcRefusal, message: string) {
    super(message);
    this.name = 'OidcRefused';
    this.reason = reason;
  }
}

const flowSchema = z.object({
  state: z.string(),
  nonce: z.string(),
  codeVerifier: z.string(),
  returnTo: z.string(),
  expiresAt: z.number(),
});
type Flow = z.infer<typeof flowSchema>;

const SEAL_CONTEXT = Buffer.from('cohesion oidc flow v1');

function seal(key: Buffer, flow: Flow): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(SEAL_CONTEXT);
  const body = Buffer.concat([cipher.update(JSON.stringify(flow), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
}

function unseal(key: Buffer, sealed: string): Flow | undefined {
  const bytes = Buffer.from(sealed, 'base64url');
  if (bytes.length < 12 + 16 + 1) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12));
    decipher.setAAD(SEAL_CONTEXT);
    decipher.setAuthTag(bytes.subarray(bytes.length - 16));
    const text = Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]);
    const parsed = flowSchema.safeParse(JSON.parse(text.toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the provider's `amr` claim says it verified a second factor itself. */
export const amrIsMultiFactor = (amr: readonly string[]): boolean => amr.some((v) => MULTI_FACTOR_AMR.has(v));

export type OidcClient = {
  readonly settings: OidcConfig;
  /** The provider's authorization URL and the sealed cookie value that must come back with the callback. */
  start(returnTo: string): Promise<{ url: string; cookie: string }>;
  /** Exchanges the code from the callback's query string (without `?`) and returns who signed in. */
  finish(query: string, cookie: string | undefined): Promise<{ identity: OidcIdentity; returnTo: string }>;
};

const isLoopbackHttp = (url: URL): boolean => url.protocol === 'http:';

export function createOidcClient(settings: OidcConfig, clock: Clock): OidcClient {
  const key = randomBytes(32);
  const issuer = new URL(settings.issuer);
  let discovered: Promise<oidc.Configuration> | undefined;

  // Discovered on first use and kept; a failure is forgotten so the next sign-on tries again.
  const configuration = (): Promise<oidc.Configuration> => {
    discovered ??= oidc
      .discovery(
        issuer,
        settings.clientId,
        undefined,
        oidc.ClientSecretBasic(settings.clientSecret),
        // The configuration admits http only for a loopback issuer (a provider on the same machine, or tests).
        isLoopbackHttp(issuer) ? { execute: [oidc.allowInsecureRequests] } : undefined,
      )
      .catch((e: unknown) => {
        discovered = undefined;
        throw new OidcRefused('provider_unreachable', `The sign-on provider did not answer: ${String(e)}`);
      });
    return discovered;
  };

  return {
    settings,

    async start(returnTo) {
      const config = await configuration();
      const flow: Flow = {
        state: oidc.randomState(),
        nonce: oidc.randomNonce(),
        codeVerifier: oidc.randomPKCECodeVerifier(),
        returnTo,
        expiresAt: clock.now().getTime() + OIDC_FLOW_TTL_MS,
      };
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: settings.redirectUri,
        scope: SCOPES,
        response_type: 'code',
        code_challenge: await oidc.calculatePKCECodeChallenge(flow.codeVerifier),
        code_challenge_method: 'S256',
        state: flow.state,
        nonce: flow.nonce,
      });
      return { url: url.href, cookie: seal(key, flow) };
    },

    async finish(query, cookie) {
      const flow = cookie === undefined ? undefined : unseal(key, cookie);
      if (!flow) throw new OidcRefused('flow_missing', 'No sign-on was started in this browser');
      if (flow.expiresAt <= clock.now().getTime())
        throw new OidcRefused('flow_expired', 'The sign-on took too long');
      const current = new URL(settings.redirectUri);
      current.search = query;
      if (current.searchParams.get('state') !== flow.state)
        throw new OidcRefused('state_mismatch', 'The answer belongs to another sign-on');
      if (current.searchParams.has('error'))
        throw new OidcRefused('provider_error', 'The sign-on provider refused or was cancelled');
      const config = await configuration();
      let tokens;
      try {
        tokens = await oidc.authorizationCodeGrant(config, current, {
          pkceCodeVerifier: flow.codeVerifier,
          expectedState: flow.state,
          expectedNonce: flow.nonce,
          idTokenExpected: true,
        });
      } catch (e) {
        throw new OidcRefused('code_exchange_failed', `The sign-on could not be completed: ${errorCode(e)}`);
      }
      const claims = tokens.claims()!;
      let email = claims.email;
      let verified = claims.email_verified;
      // Providers that follow the spec strictly put scope claims in UserInfo only, not in the ID token.
      if (typeof email !== 'string' || typeof verified !== 'boolean') {
        try {
          const info = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
          email = info.email;
          verified = info.email_verified;
        } catch (e) {
          throw new OidcRefused(
            'code_exchange_failed',
            `The sign-on provider's UserInfo failed: ${errorCode(e)}`,
          );
        }
      }
      const amr = Array.isArray(claims.amr)
        ? claims.amr.filter((v): v is string => typeof v === 'string')
        : [];
      return {
        identity: {
          issuer: claims.iss,
          subject: claims.sub,
          email: typeof email === 'string' ? email.toLowerCase() : undefined,
          emailVerified: verified === true,
          amr,
        },
        returnTo: flow.returnTo,
      };
    },
  };
}

/** A short code for logs and messages: never the response body, which can carry tokens. */
function errorCode(e: unknown): string {
  if (e instanceof Error) {
    const { code, error } = e as Error & { code?: unknown; error?: unknown };
    return [e.name, typeof code === 'string' ? code : null, typeof error === 'string' ? error : null]
      .filter(Boolean)
      .join(' ');
  }
  return 'unknown error';
}

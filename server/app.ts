import fs from 'node:fs';
import path from 'node:path';
import Fastify from 'fastify';
import helmet from '@fastify/helmet';
import multipart from '@fastify/multipart';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  hasZodFastifySchemaValidationErrors,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { isAppError } from './platform/errors.ts';
import { API_PREFIX, type App, type AppDeps, type RouteModule } from './platform/http.ts';
import { routeModules } from './routes.ts';
import { access, registerAccessGuard } from './platform/access/guard.ts';

/** One-time tokens travel in some paths (invitation links); logs keep the route, never the token. */
export const redactUrl = (url: string): string => url.replace(/(\/invitations\/)[^/?#]+/, '$1[token]');

const WEB_DIST = path.resolve(import.meta.dirname, '..', 'dist', 'web');

/** Builds the HTTP application without listening, so tests can use app.inject(). */
export async function buildApp(
  deps: AppDeps,
  options: { modules?: RouteModule[]; logger?: boolean } = {},
): Promise<App> {
  const app = Fastify({
    logger:
      options.logger === false
        ? false
        : {
            level: deps.config.logLevel,
            // Correlation ids, never content: request bodies and personal data are not logged.
            redact: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-csrf-token"]'],
            serializers: {
              req: (req: { method: string; url: string; id: string }) => ({
                id: req.id,
                method: req.method,
                url: redactUrl(req.url),
              }),
            },
          },
    bodyLimit: 10 * 1024 * 1024,
    trustProxy: deps.config.trustProxy,
    genReqId: () => crypto.randomUUID(),
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        // Leaflet and React set styles through the CSSOM, which style-src does not govern: no 'unsafe-inline'.
        styleSrc: ["'self'"],
        scriptSrc: ["'self'"],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        // Fonts are self-hosted (@fontsource): no font host anywhere.
        fontSrc: ["'self'"],
        formAction: ["'self'"],
      },
    },
    // Cross-origin isolation of the console: no other site may embed it, open it with a handle, or read its resources.
    crossOriginOpenerPolicy: { policy: 'same-origin' },
    crossOriginResourcePolicy: { policy: 'same-origin' },
    referrerPolicy: { policy: 'no-referrer' },
    frameguard: { action: 'deny' },
  });
  // API answers can hold personal data: no browser or proxy keeps a copy.
  app.addHook('onSend', async (request, reply) => {
    if (request.url.startsWith('/api/') && !reply.hasHeader('cache-control'))
      reply.header('cache-control', 'no-store');
  });
  await app.register(multipart, { limits: { fileSize: deps.config.maxUploadBytes, files: 2, fields: 20 } });
  await app.register(swagger, {
    openapi: {
      info: { title: 'Cohesion API', version: '1' },
      servers: [],
    },
    transform: jsonSchemaTransform,
  });

  app.setErrorHandler((error, request, reply) => {
    if (isAppError(error)) {
      return reply.status(error.status).type('application/problem+json').send({
        type: `about:blank`,
        title: error.message,
        status: error.status,
        code: error.code,
        errors: error.details,
      });
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      return reply
        .status(400)
        .type('application/problem+json')
        .send({
          type: 'about:blank',
          title: 'The request is not valid',
          status: 400,
          code: 'VALIDATION_FAILED',
          errors: error.validation.map((v) => ({ path: v.instancePath, reason: v.message })),
        });
    }
    const err = error as { statusCode?: number; code?: string; message?: string };
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) request.log.error({ err: error }, 'unhandled error');
    const code =
      status === 413 || err.code === 'FST_REQ_FILE_TOO_LARGE'
        ? 'PAYLOAD_TOO_LARGE'
        : status === 415
          ? 'UNSUPPORTED_MEDIA_TYPE'
          : status === 500
            ? 'INTERNAL'
            : 'VALIDATION_FAILED';
    return reply
      .status(err.code === 'FST_REQ_FILE_TOO_LARGE' ? 413 : status)
      .type('application/problem+json')
      .send({
        type: 'about:blank',
        title: status === 500 ? 'Internal error' : (err.message ?? 'Bad request'),
        status: err.code === 'FST_REQ_FILE_TOO_LARGE' ? 413 : status,
        code,
        errors: [],
      });
  });

  await registerAccessGuard(app, deps);
  for (const register of options.modules ?? routeModules) {
    await register(app, deps);
  }

  app.get(
    `${API_PREFIX}/openapi.json`,
    { schema: { hide: true }, config: { access: access.public() } },
    async () => app.swagger(),
  );
  app.get('/livez', { schema: { hide: true } }, async () => ({ status: 'ok' }));

  const hasConsole = fs.existsSync(path.join(WEB_DIST, 'index.html'));
  if (hasConsole) await app.register(fastifyStatic, { root: WEB_DIST, wildcard: false });
  app.setNotFoundHandler((request, reply) => {
    // The console is a single-page app: unknown non-API GETs get its shell.
    if (hasConsole && request.method === 'GET' && !request.url.startsWith('/api/'))
      return reply.sendFile('index.html');
    return reply
      .status(404)
      .type('application/problem+json')
      .send({ type: 'about:blank', title: 'Not found', status: 404, code: 'NOT_FOUND', errors: [] });
  });
  return app;
}

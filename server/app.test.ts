import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from './app.ts';
import { loadConfig, ConfigError } from './config.ts';
import { fixedClock } from './platform/clock.ts';
import type { App } from './platform/http.ts';
import { describeEachDialect } from './test/databases.ts';

describe('configuration', () => {
  it('uses sensible defaults for a laptop install', () => {
    const c = loadConfig({});
    expect(c.port).toBe(3000);
    expect(c.host).toBe('127.0.0.1');
    expect(c.databaseUrl).toBeUndefined();
    expect(c.sqlitePath.endsWith('data/cohesion.sqlite')).toBe(true);
  });

  it('lists every problem at once', () => {
    try {
      loadConfig({ PORT: 'abc', DATABASE_URL: 'mysql://x', DEMO_CITY: 'maybe' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const problems = (e as ConfigError).problems.join('\n');
      expect(problems).toMatch(/PORT/);
      expect(problems).toMatch(/DATABASE_URL/);
      expect(problems).toMatch(/DEMO_CITY/);
    }
  });
});

describeEachDialect('application shell', (ctx) => {
  let app: App;
  beforeAll(async () => {
    app = await buildApp(
      { db: ctx.db, config: loadConfig({}), clock: fixedClock('2025-01-01T00:00:00Z') },
      { logger: false },
    );
  });
  afterAll(async () => app.close());

  it('answers liveness', async () => {
    const r = await app.inject({ url: '/livez' });
    expect(r.statusCode).toBe(200);
  });

  it('publishes an OpenAPI document', async () => {
    const r = await app.inject({ url: '/api/v1/openapi.json' });
    expect(r.statusCode).toBe(200);
    expect(r.json().openapi).toMatch(/^3\./);
  });

  it('documents every import and registry operation in OpenAPI', async () => {
    const paths = (await app.inject({ url: '/api/v1/openapi.json' })).json().paths as Record<string, object>;
    const ops = Object.entries(paths).flatMap(([p, o]) => Object.keys(o).map((m) => `${m} ${p}`));
    expect(ops).toEqual(
      expect.arrayContaining([
        'post /api/v1/areas/import',
        'post /api/v1/areas/attributes/import',
        'get /api/v1/areas/boundaries',
        'get /api/v1/sources',
        'post /api/v1/sources',
        'post /api/v1/sources/{code}/imports',
        'post /api/v1/sources/{code}/pull',
        'get /api/v1/imports',
        'post /api/v1/imports/{id}/rollback',
        'get /api/v1/signals',
        'get /api/v1/taxonomy',
        'get /api/v1/picture/areas',
      ]),
    );
  });

  it('answers unknown API paths with problem+json', async () => {
    const r = await app.inject({ url: '/api/v1/nothing-here' });
    expect(r.statusCode).toBe(404);
    expect(r.headers['content-type']).toMatch(/application\/problem\+json/);
  });

  it('sends security headers', async () => {
    const r = await app.inject({ url: '/livez' });
    expect(r.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect(r.headers['x-content-type-options']).toBe('nosniff');
  });
});

import fs from 'node:fs';
import pg from 'pg';
import type { BenchArea } from './datasets.ts';

export type PostgisVersions = {
  postgres: string;
  postgis: string;
  geos: string;
  settings: Record<string, string>;
};

export async function connectPostgis(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('CREATE EXTENSION IF NOT EXISTS postgis');
  return client;
}

export async function postgisVersions(client: pg.Client): Promise<PostgisVersions> {
  const { rows } = await client.query<{ server: string; postgis: string; geos: string }>(
    `SELECT current_setting('server_version') AS server, postgis_lib_version() AS postgis, postgis_geos_version() AS geos`,
  );
  const settings: Record<string, string> = {};
  for (const name of [
    'shared_buffers',
    'work_mem',
    'max_parallel_workers_per_gather',
    'synchronous_commit',
    'jit',
  ]) {
    const r = await client.query<{ v: string }>(`SELECT current_setting($1) AS v`, [name]);
    settings[name] = r.rows[0]?.v ?? '';
  }
  const row = rows[0];
  return { postgres: row?.server ?? '', postgis: row?.postgis ?? '', geos: row?.geos ?? '', settings };
}

export const timed = async <T>(run: () => Promise<T>): Promise<{ ms: number; value: T }> => {
  const t0 = performance.now();
  const value = await run();
  return { ms: performance.now() - t0, value };
};

/** Areas as a PostGIS user would load them: one geometry per area, SRID 4326, a GiST index, fresh statistics. */
export async function loadPostgisAreas(client: pg.Client, areas: BenchArea[]): Promise<{ ms: number }> {
  const t0 = performance.now();
  await client.query('DROP TABLE IF EXISTS bench_area CASCADE');
  await client.query(
    'CREATE TABLE bench_area (code text PRIMARY KEY, name text NOT NULL, geom geometry(Geometry, 4326) NOT NULL)',
  );
  for (let i = 0; i < areas.length; i += 200) {
    const chunk = areas.slice(i, i + 200);
    const values = chunk.map(
      (_, j) => `($${j * 3 + 1}, $${j * 3 + 2}, ST_SetSRID(ST_GeomFromGeoJSON($${j * 3 + 3}), 4326))`,
    );
    await client.query(
      `INSERT INTO bench_area (code, name, geom) VALUES ${values.join(', ')}`,
      chunk.flatMap((a) => [a.code, a.name, JSON.stringify(a.geometry)]),
    );
  }
  await client.query('CREATE INDEX bench_area_geom_idx ON bench_area USING gist (geom)');
  await client.query('ANALYZE bench_area');
  return { ms: performance.now() - t0 };
}

/** Every area that PostGIS itself considers invalid, with the reason (expected: none). */
export async function invalidPostgisAreas(
  client: pg.Client,
): Promise<Array<{ code: string; reason: string }>> {
  const { rows } = await client.query<{ code: string; reason: string }>(
    `SELECT code, ST_IsValidReason(geom) AS reason FROM bench_area WHERE NOT ST_IsValid(geom) ORDER BY code`,
  );
  return rows;
}

export type PostgisAssignment = {
  copyMs: number;
  buildPointsMs: number;
  joinMs: number;
  /** The planner's choice for the join, as EXPLAIN prints it. */
  plan: string[];
  /** Area code per point id (1-based ids, index 0 unused); undefined = no area. */
  codes: Array<string | undefined>;
};

/**
 * The assignment as a PostGIS user writes it: COPY the points in, build geometries, then ST_Covers against the
 * GiST-indexed areas with the smallest code winning ties. The join is materialised into a temp table (no WAL).
 */
export async function assignWithPostgis(
  client: pg.Client,
  pointsCsv: string,
  exchangeDir: string,
  count: number,
): Promise<PostgisAssignment> {
  await client.query('DROP TABLE IF EXISTS bench_pts_raw, bench_pts, bench_assign');
  await client.query(
    'CREATE TABLE bench_pts_raw (id integer NOT NULL, lon double precision, lat double precision)',
  );
  const copy = await timed(() =>
    client.query(`COPY bench_pts_raw (id, lon, lat) FROM '${pointsCsv}' WITH (FORMAT csv, HEADER true)`),
  );
  const build = await timed(async () => {
    await client.query(
      `CREATE TABLE bench_pts AS SELECT id, ST_SetSRID(ST_MakePoint(lon, lat), 4326) AS geom FROM bench_pts_raw WHERE lon IS NOT NULL`,
    );
    await client.query('ALTER TABLE bench_pts ADD PRIMARY KEY (id)');
    await client.query('ANALYZE bench_pts');
  });
  const plan = await client.query<{ 'QUERY PLAN': string }>(
    `EXPLAIN SELECT DISTINCT ON (p.id) p.id, a.code
       FROM bench_pts p JOIN bench_area a ON ST_Covers(a.geom, p.geom) ORDER BY p.id, a.code`,
  );
  const join = await timed(() =>
    client.query(
      `CREATE TEMP TABLE bench_assign AS
         SELECT DISTINCT ON (p.id) p.id, a.code
         FROM bench_pts p JOIN bench_area a ON ST_Covers(a.geom, p.geom)
         ORDER BY p.id, a.code`,
    ),
  );
  const out = `${exchangeDir}/postgis-assign.csv`;
  await client.query(`COPY bench_assign TO '${out}' WITH (FORMAT csv)`);
  const codes = new Array<string | undefined>(count + 1);
  for (const line of fs.readFileSync(out, 'utf8').split('\n')) {
    if (!line) continue;
    const comma = line.indexOf(',');
    codes[Number(line.slice(0, comma))] = line.slice(comma + 1).replace(/^"|"$/g, '');
  }
  fs.rmSync(out);
  await client.query('DROP TABLE IF EXISTS bench_pts_raw, bench_pts, bench_assign');
  return {
    copyMs: copy.ms,
    buildPointsMs: build.ms,
    joinMs: join.ms,
    codes,
    plan: plan.rows.map((r) => r['QUERY PLAN']),
  };
}

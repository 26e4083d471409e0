import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import * as XLSX from '@e965/xlsx';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMapping, type Mapping } from '../../../../core/contracts/mapping.ts';
import { AppError } from '../../../platform/errors.ts';
import { openRowReader } from './open-rows.ts';
import { openImportFile, type ImportFile, type SourceRow } from './reader.ts';

const mappingWith = (format: unknown): Mapping =>
  parseMapping({ format, externalId: 'id', occurred: { column: 'date' }, location: { type: 'cityWide' } });
const CSV = mappingWith({ type: 'csv' });

async function readRows(file: ImportFile, mapping: Mapping = CSV) {
  const opened = await openImportFile(file, { fetchTimeoutMs: 2_000 });
  const reader = await openRowReader(opened, mapping.format);
  const rows: SourceRow[] = [];
  for await (const batch of reader.batches) rows.push(...batch);
  return { columns: reader.columns, encoding: reader.encoding, rows, hash: opened.digest() };
}

const bytes = (text: string, name = 'file.csv'): ImportFile => ({ name, bytes: Buffer.from(text, 'utf8') });

async function fileError(file: ImportFile, mapping: Mapping = CSV): Promise<AppError> {
  try {
    await readRows(file, mapping);
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected the file to be refused');
}

describe('CSV reader', () => {
  it('reads a UTF-8 file with BOM and CRLF, numbering lines as a text editor does', async () => {
    const r = await readRows(
      bytes('\uFEFFid,date,note\r\n1,2024-01-01,"two\r\nlines"\r\n\r\n2,2024-01-02,x\r\n'),
    );
    expect(r.columns).toEqual(['id', 'date', 'note']);
    expect(r.encoding).toBe('utf-8');
    expect(r.rows).toEqual([
      { line: 2, record: { id: '1', date: '2024-01-01', note: 'two\r\nlines' } },
      { line: 5, record: { id: '2', date: '2024-01-02', note: 'x' } },
    ]);
  });

  it('detects a semicolon delimiter and Windows-1252 text', async () => {
    const text = 'id;date;quartier\n1;2024-01-01;Côte-des-Neiges\n2;2024-01-02;Ahuntsic–Cartierville\n';
    const r = await readRows({ name: 'export.csv', bytes: iconv.encode(text, 'windows-1252') });
    expect(r.encoding).toBe('windows-1252');
    expect(r.rows.map((row) => row.record.quartier)).toEqual(['Côte-des-Neiges', 'Ahuntsic–Cartierville']);
  });

  it('honours a declared delimiter, encoding and header row', async () => {
    const text = 'Report of 2024\nid|date\n7|2024-02-02\n';
    const r = await readRows(
      { name: 'x.csv', bytes: iconv.encode(text, 'latin1') },
      mappingWith({ type: 'csv', delimiter: '|', encoding: 'iso-8859-1', headerRow: 2 }),
    );
    expect(r.rows).toEqual([{ line: 3, record: { id: '7', date: '2024-02-02' } }]);
  });

  it('reports an unbalanced quote at the line where its record starts', async () => {
    const e = await fileError(bytes('id,date\n1,2024-01-01\n2,"2024-01-02\n3,2024-01-03\n'));
    expect(e.code).toBe('IMPORT_INVALID');
    expect(e.details).toEqual([
      { line: 3, column: null, value: null, reason: expect.stringMatching(/^Quote Not Closed/) },
    ]);
    const closing = await fileError(bytes('id,date\n1,2024-01-01\n2,"2024"-01-02\n'));
    expect(closing.details[0]).toMatchObject({
      line: 3,
      reason: expect.stringMatching(/^Invalid Closing Quote/),
    });
  });

  it('flags ragged rows on their own line and keeps reading', async () => {
    const r = await readRows(bytes('id,date,x\n1,2024-01-01\n2,2024-01-02,a,b\n3,2024-01-03,c\n'));
    expect(r.rows.map((row) => [row.line, row.problem ?? null])).toEqual([
      [2, 'the row has 2 fields but the header has 3 (a missing or extra delimiter or quote?)'],
      [3, 'the row has 4 fields but the header has 3 (a missing or extra delimiter or quote?)'],
      [4, null],
    ]);
  });

  it('refuses an empty file clearly', async () => {
    for (const text of ['', '\r\n\r\n', '   ']) {
      expect((await fileError(bytes(text))).details).toEqual([
        { line: 1, column: null, value: null, reason: 'the file is empty' },
      ]);
    }
  });

  it('streams a large file without holding it in memory', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cohesion-big-csv-'));
    const file = path.join(dir, 'big.csv');
    const out = fs.createWriteStream(file);
    out.write('id,date,lon,lat,category,notes\n');
    const line = (i: number) =>
      `S${i},2024-${String((i % 12) + 1).padStart(2, '0')}-15,-79.${i % 1000},43.${i % 997},cat${i % 7},"a note, quoted"\n`;
    let size = 0;
    let i = 0;
    while (size < 50 * 1024 * 1024) {
      let chunk = '';
      for (let k = 0; k < 10_000; k++) chunk += line(i++);
      size += chunk.length;
      if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    }
    await new Promise<void>((resolve) => out.end(() => resolve()));
    try {
      const before = process.memoryUsage().rss;
      let peak = before;
      const opened = await openImportFile({ name: 'big.csv', path: file }, { fetchTimeoutMs: 1000 });
      const reader = await openRowReader(opened, CSV.format);
      let rows = 0;
      let lastLine = 0;
      for await (const batch of reader.batches) {
        rows += batch.length;
        lastLine = batch[batch.length - 1]!.line;
        peak = Math.max(peak, process.memoryUsage().rss);
      }
      expect(rows).toBe(i);
      expect(lastLine).toBe(i + 1);
      // Loose bound: the file is 50 MB and the rows as objects several times that; a streaming read stays far below.
      expect(peak - before).toBeLessThan(150 * 1024 * 1024);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('spreadsheet reader', () => {
  function workbook(build: (ws: XLSX.WorkSheet) => void, type: 'xlsx' | 'ods' = 'xlsx'): Buffer {
    const ws = XLSX.utils.aoa_to_sheet([
      ['id', 'date', 'count', 'area'],
      ['a', 45300, 2, 'North'],
      ['b', 45301, 3, null],
      [null, null, null, null],
      ['c', 45302, 4, 'South'],
    ]);
    build(ws);
    const wb = XLSX.utils.book_new();
    XLSX.utils.book_append_sheet(wb, XLSX.utils.aoa_to_sheet([['notes only']]), 'Notes');
    XLSX.utils.book_append_sheet(wb, ws, 'Incidents');
    return XLSX.write(wb, { type: 'buffer', bookType: type }) as Buffer;
  }

  it('reads the cached values of formulas and gives merged cells to their top-left cell only', async () => {
    const file = workbook((ws) => {
      ws.E1 = { t: 's', v: 'total' };
      ws.E2 = { t: 'n', f: 'C2*10', v: 20 };
      ws.E3 = { t: 'n', f: 'C3*10', v: 30 };
      ws.E5 = { t: 'n', f: 'C5*10', v: 40 };
      ws['!ref'] = 'A1:E5';
      ws['!merges'] = [{ s: { r: 1, c: 3 }, e: { r: 2, c: 3 } }];
    });
    const r = await readRows(
      { name: 'incidents.xlsx', bytes: file },
      mappingWith({ type: 'xlsx', sheet: 'Incidents' }),
    );
    expect(r.columns).toEqual(['id', 'date', 'count', 'area', 'total']);
    expect(r.rows).toEqual([
      { line: 2, record: { id: 'a', date: 45300, count: 2, area: 'North', total: 20 } },
      { line: 3, record: { id: 'b', date: 45301, count: 3, area: null, total: 30 } },
      { line: 5, record: { id: 'c', date: 45302, count: 4, area: 'South', total: 40 } },
    ]);
  });

  it('reads ODS too, picks sheets by position and names the sheets when one is missing', async () => {
    const ods = workbook(() => {}, 'ods');
    const r = await readRows({ name: 'x.ods', bytes: ods }, mappingWith({ type: 'xlsx', sheet: 1 }));
    expect(r.rows.map((row) => row.record.id)).toEqual(['a', 'b', 'c']);
    const e = await fileError({ name: 'x.ods', bytes: ods }, mappingWith({ type: 'xlsx', sheet: 'Data' }));
    expect(e.details[0]).toMatchObject({
      value: 'Data',
      reason: 'the workbook has no such sheet; its sheets are: Notes, Incidents',
    });
  });

  it('refuses a file that is not a spreadsheet', async () => {
    const e = await fileError(
      { name: 'x.xlsx', bytes: Buffer.from([0x50, 0x4b, 3, 4, 1, 2, 3]) },
      mappingWith({ type: 'xlsx' }),
    );
    expect(e.details[0]!.reason).toMatch(/not a readable spreadsheet/);
  });
});

describe('GeoJSON and JSON readers', () => {
  const GEOJSON = mappingWith({ type: 'geojson' });

  it('reads Point features, flags other geometries and keeps features without geometry', async () => {
    const doc = {
      type: 'FeatureCollection',
      features: [
        {
          type: 'Feature',
          properties: { id: 'p1', date: '2024-01-01' },
          geometry: { type: 'Point', coordinates: [-79.4, 43.7] },
        },
        { type: 'Feature', properties: { id: 'p2' }, geometry: { type: 'Polygon', coordinates: [] } },
        { type: 'Feature', properties: { id: 'p3' }, geometry: null },
      ],
    };
    const r = await readRows(bytes(JSON.stringify(doc), 'points.geojson'), GEOJSON);
    expect(r.rows).toEqual([
      { line: 1, record: { id: 'p1', date: '2024-01-01' }, point: { lon: -79.4, lat: 43.7 } },
      {
        line: 2,
        record: { id: 'p2' },
        point: null,
        problem: 'the geometry is a Polygon; only Point features can be signals',
      },
      { line: 3, record: { id: 'p3' }, point: null },
    ]);
  });

  it('refuses projected GeoJSON and documents that are not GeoJSON', async () => {
    const projected = {
      type: 'FeatureCollection',
      crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::2952' } },
      features: [],
    };
    expect((await fileError(bytes(JSON.stringify(projected)), GEOJSON)).details[0]!.reason).toMatch(
      /projected/,
    );
    expect((await fileError(bytes('{"type":"Feature"}'), GEOJSON)).details[0]!.reason).toBe(
      'not a GeoJSON FeatureCollection',
    );
    expect((await fileError(bytes('{oops'), GEOJSON)).details[0]!.reason).toMatch(/not valid JSON/);
  });

  describe('from a URL', () => {
    let server: http.Server;
    let base = '';
    beforeAll(async () => {
      server = http.createServer((req, res) => {
        if (req.url === '/incidents.json') {
          res.setHeader('content-type', 'application/json');
          res.end(
            JSON.stringify({
              result: { records: [{ id: 'r1', date: '2024-05-01', place: { lat: 1 } }, 'junk'] },
            }),
          );
        } else if (req.url === '/slow') {
          res.write('[');
          // Never finishes: the fetch timeout must end it.
        } else {
          res.statusCode = 404;
          res.end('nope');
        }
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });

    it('reads the records at recordsPath, flagging entries that are not objects', async () => {
      const r = await readRows(
        { url: `${base}/incidents.json` },
        mappingWith({ type: 'json', recordsPath: 'result.records' }),
      );
      expect(r.rows).toEqual([
        { line: 1, record: { id: 'r1', date: '2024-05-01', place: { lat: 1 } } },
        { line: 2, record: {}, problem: 'the record is not a JSON object' },
      ]);
      expect(r.hash).toMatch(/^[0-9a-f]{64}$/);
    });

    it('fails clearly on HTTP errors, timeouts and a wrong recordsPath', async () => {
      const json = mappingWith({ type: 'json' });
      const missing = await fileError({ url: `${base}/missing` }, json);
      expect(missing.code).toBe('SOURCE_FETCH_FAILED');
      expect(missing.details[0]).toMatchObject({ reason: 'HTTP 404 Not Found' });
      const slow = await fileError({ url: `${base}/slow` }, json);
      expect(slow.code).toBe('SOURCE_FETCH_FAILED');
      expect(slow.details[0]!.reason).toMatch(/no complete answer within 2000 ms/);
      const wrongPath = await fileError(
        { url: `${base}/incidents.json` },
        mappingWith({ type: 'json', recordsPath: 'data' }),
      );
      expect(wrongPath.details[0]!.reason).toBe('recordsPath does not lead to an array of records');
    });
  });
});

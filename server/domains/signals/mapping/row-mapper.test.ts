import { describe, expect, it } from 'vitest';
import { parseMapping, type MappingInput } from '../../../../core/contracts/mapping.ts';
import { createAreaIndex } from '../../../../core/geo/area-index.ts';
import type { ImportProblem, SourceRow } from '../readers/reader.ts';
import { compileRowMapper, type AreaLookup, type MappedSignal } from './row-mapper.ts';

const square = (x0: number, y0: number, x1: number, y1: number) => ({
  type: 'Polygon' as const,
  coordinates: [
    [
      [x0, y0],
      [x1, y0],
      [x1, y1],
      [x0, y1],
      [x0, y0],
    ],
  ],
});

// Two areas side by side sharing the edge x = 1.
const areas: AreaLookup = {
  byCode: new Map([
    ['001', { id: 'id-1', code: '001' }],
    ['002', { id: 'id-2', code: '002' }],
  ]),
  codeById: new Map([
    ['id-1', '001'],
    ['id-2', '002'],
  ]),
  index: createAreaIndex([
    { id: 'id-1', key: '001', geometry: square(0, 0, 1, 1) },
    { id: 'id-2', key: '002', geometry: square(1, 0, 2, 1) },
  ]),
};

const terms = new Map(
  ['bias.antisemitism', 'bias.anti_muslim', 'bias.racism', 'bias.unclear', 'incident.crime', 'bias.old'].map(
    (code) => [code, { retired: code === 'bias.old' }] as const,
  ),
);

const base: MappingInput = {
  externalId: 'id',
  occurred: { column: 'date', timezone: 'America/Toronto' },
  location: { type: 'areaCode', column: 'area', cityWideValues: ['NSA'] },
};

function mapperFor(overrides: Partial<MappingInput>) {
  return compileRowMapper(parseMapping({ ...base, ...overrides }), {
    defaultTimezone: 'UTC',
    areas,
    terms,
    now: new Date('2025-01-01T00:00:00Z'),
  });
}

const row = (record: Record<string, unknown>, line = 2): SourceRow => ({ line, record });

function ok(result: MappedSignal | ImportProblem[]): MappedSignal {
  if (Array.isArray(result)) throw new Error(`unexpected problems: ${JSON.stringify(result)}`);
  return result;
}
function problems(result: MappedSignal | ImportProblem[]): ImportProblem[] {
  if (!Array.isArray(result)) throw new Error('expected problems');
  return result;
}

describe('row mapping', () => {
  it('maps a row to a signal: area by code, local time to UTC, local date kept', () => {
    const map = mapperFor({
      occurred: {
        column: 'date',
        time: { column: 'time', format: 'HHmm', padDigits: true },
        timezone: 'America/Toronto',
      },
    });
    const s = ok(map(row({ id: ' GO-1 ', date: '2024-01-15', time: '2355', area: '001' })));
    expect(s).toMatchObject({
      externalId: 'GO-1',
      occurredAt: '2024-01-16T04:55:00.000Z',
      occurredOn: '2024-01-15',
      areaId: 'id-1',
      areaKey: '001',
      labels: [],
    });
    expect(ok(map(row({ id: 'GO-2', date: '2024-01-15', time: '', area: '001' }))).occurredAt).toBe(
      '2024-01-15',
    );
  });

  it('keeps city-wide values city-wide and treats unknown codes as the mapping says', () => {
    expect(ok(mapperFor({})(row({ id: 'a', date: '2024-01-01', area: 'nsa' }))).areaId).toBeNull();
    expect(problems(mapperFor({})(row({ id: 'a', date: '2024-01-01', area: '999' })))).toEqual([
      {
        line: 2,
        column: 'area',
        value: '999',
        reason: 'no area has this code (see the boundaries imported)',
      },
    ]);
    expect(
      ok(mapperFor({ unknownArea: 'cityWide' })(row({ id: 'a', date: '2024-01-01', area: '999' }))).areaId,
    ).toBeNull();
  });

  it('splits multi-value cells and maps values case-insensitively to zero or more terms', () => {
    const map = mapperFor({
      labels: {
        rules: [
          {
            column: 'religion',
            split: ',',
            values: { Jewish: 'bias.antisemitism', Muslim: 'bias.anti_muslim', None: [] },
          },
          { column: 'race', values: { Black: ['bias.racism'] }, unknownValue: 'bias.unclear' },
          { column: 'other', values: {}, unknownValue: 'ignore' },
        ],
        constant: ['incident.crime'],
      },
    });
    const s = ok(
      map(
        row({
          id: 'a',
          date: '2024-01-01',
          area: '001',
          religion: 'Jewish, MUSLIM ',
          race: 'Purple',
          other: 'x',
        }),
      ),
    );
    expect(s.labels).toEqual(['bias.anti_muslim', 'bias.antisemitism', 'bias.unclear', 'incident.crime']);
    expect(
      ok(map(row({ id: 'b', date: '2024-01-01', area: '001', religion: 'None', race: '' }))).labels,
    ).toEqual(['incident.crime']);
    expect(
      problems(map(row({ id: 'c', date: '2024-01-01', area: '001', religion: 'Jewish, Zoroastrian' }))),
    ).toEqual([
      {
        line: 2,
        column: 'religion',
        value: 'Zoroastrian',
        reason: 'no label is mapped for this value (add it to the mapping, or set unknownValue)',
      },
    ]);
  });

  it('accepts term codes as values when asked, refusing unknown and retired ones', () => {
    const map = mapperFor({ labels: { rules: [{ column: 'labels', split: '|', codes: true }] } });
    expect(
      ok(map(row({ id: 'a', date: '2024-01-01', area: '001', labels: 'bias.racism|incident.crime' }))).labels,
    ).toEqual(['bias.racism', 'incident.crime']);
    expect(
      problems(map(row({ id: 'a', date: '2024-01-01', area: '001', labels: 'bias.old|bias.nope' }))).map(
        (p) => p.reason,
      ),
    ).toEqual([
      'this taxonomy term is retired',
      'neither a value listed in the mapping nor a taxonomy term code',
    ]);
  });

  it('assigns points to areas, shared edges to the smaller code, and reports projected coordinates', () => {
    const map = mapperFor({ location: { type: 'lonLat', lon: 'x', lat: 'y' } });
    expect(ok(map(row({ id: 'a', date: '2024-01-01', x: '1.5', y: '0.5' }))).areaKey).toBe('002');
    expect(ok(map(row({ id: 'a', date: '2024-01-01', x: '1', y: '0.5' }))).areaKey).toBe('001');
    expect(problems(map(row({ id: 'a', date: '2024-01-01', x: '3', y: '0.5' })))[0]!.reason).toBe(
      'the point is outside every area',
    );
    expect(problems(map(row({ id: 'a', date: '2024-01-01', x: '630000', y: '4835000' })))[0]!.reason).toMatch(
      /projected coordinates/,
    );
    expect(
      problems(map(row({ id: 'a', date: '2024-01-01', x: 'east', y: '' }))).map((p) => p.column),
    ).toEqual(['x', 'y']);
    const cityWide = mapperFor({ location: { type: 'lonLat', lon: 'x', lat: 'y' }, unknownArea: 'cityWide' });
    expect(ok(cityWide(row({ id: 'a', date: '2024-01-01', x: '', y: '' }))).areaId).toBeNull();
    expect(ok(cityWide(row({ id: 'a', date: '2024-01-01', x: '3', y: '0.5' })))).toMatchObject({
      areaId: null,
      lon: 3,
    });
  });

  it('reads severity from a value map or a numeric range', () => {
    const byValue = mapperFor({ severity: { column: 's', values: { Low: 1, High: 3 } } });
    expect(ok(byValue(row({ id: 'a', date: '2024-01-01', area: '001', s: 'high' }))).severity).toBe(3);
    expect(
      problems(byValue(row({ id: 'a', date: '2024-01-01', area: '001', s: 'extreme' })))[0]!.column,
    ).toBe('s');
    const byRange = mapperFor({ severity: { column: 's', min: 1, max: 5, unknownValue: 'ignore' } });
    expect(ok(byRange(row({ id: 'a', date: '2024-01-01', area: '001', s: '4' }))).severity).toBe(4);
    expect(ok(byRange(row({ id: 'a', date: '2024-01-01', area: '001', s: '9' }))).severity).toBeNull();
  });

  it('reports every problem of a row at once, with column and value', () => {
    const p = problems(
      mapperFor({})({
        line: 7,
        record: { id: '', date: '2024-13-01', area: '999' },
        problem: 'the row has 2 fields',
      }),
    );
    expect(p).toEqual([
      { line: 7, column: null, value: null, reason: 'the row has 2 fields' },
      { line: 7, column: 'id', value: null, reason: 'the id is empty' },
      { line: 7, column: 'date', value: '2024-13-01', reason: 'not a date in the format yyyy-MM-dd' },
      {
        line: 7,
        column: 'area',
        value: '999',
        reason: 'no area has this code (see the boundaries imported)',
      },
    ]);
    expect(problems(mapperFor({})(row({ id: 'a', date: '2031-01-01', area: '001' })))[0]!.reason).toBe(
      'the date is in the future',
    );
  });

  it('keeps description and extra columns, and changes the content hash only when stored content changes', () => {
    const map = mapperFor({ description: ['notes', 'more'], extra: ['division'] });
    const a = ok(
      map(row({ id: 'a', date: '2024-01-01', area: '001', notes: 'first', more: 'second', division: 'D11' })),
    );
    expect(a.description).toBe('first\n\nsecond');
    expect(JSON.parse(a.extra!)).toEqual({ division: 'D11' });
    const same = ok(
      map(
        row(
          { id: 'a', date: '2024-01-01', area: '001', notes: 'first', more: 'second', division: 'D11' },
          99,
        ),
      ),
    );
    expect(same.contentHash).toBe(a.contentHash);
    const changed = ok(
      map(row({ id: 'a', date: '2024-01-01', area: '001', notes: 'first', more: 'second', division: 'D12' })),
    );
    expect(changed.contentHash).not.toBe(a.contentHash);
  });

  it('joins composite ids', () => {
    const map = mapperFor({ externalId: { columns: ['division', 'number'], separator: '-' } });
    expect(ok(map(row({ division: 'D11', number: '42', date: '2024-01-01', area: '001' }))).externalId).toBe(
      'D11-42',
    );
  });
});

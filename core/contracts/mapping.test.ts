import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../server/platform/errors.ts';
import {
  checkMappingTerms,
  mappingColumns,
  mappingTermCodes,
  parseMapping,
  safeParseMapping,
  type MappingProblem,
} from './mapping.ts';
import { parseCityPack } from './city-pack.ts';

const minimal = {
  externalId: 'id',
  occurred: { column: 'date' },
  location: { type: 'areaCode', column: 'area' },
};

function problemsOf(json: unknown): MappingProblem[] {
  const r = safeParseMapping(json);
  if ('mapping' in r) throw new Error('expected problems');
  return r.problems;
}

describe('mapping contract', () => {
  it('expands shorthands and fills defaults', () => {
    const m = parseMapping(minimal);
    expect(m.version).toBe(1);
    expect(m.format).toEqual({ type: 'csv', encoding: 'auto', delimiter: 'auto', headerRow: 1 });
    expect(m.externalId).toEqual({ columns: ['id'], separator: '|' });
    expect(m.occurred.format).toEqual(['yyyy-MM-dd']);
    expect(m.unknownArea).toBe('reject');
    expect(m.labels).toEqual({ rules: [], constant: [] });
    expect(m.extra).toEqual([]);
  });

  it('normalises label values to lists and keeps composite ids', () => {
    const m = parseMapping({
      ...minimal,
      externalId: { columns: ['division', 'number'], separator: '-' },
      labels: {
        rules: [{ column: 'bias', split: ',', values: { Jewish: 'bias.antisemitism', None: [] } }],
        constant: ['incident.crime'],
      },
      description: 'notes',
    });
    expect(m.externalId).toEqual({ columns: ['division', 'number'], separator: '-' });
    expect(m.labels.rules[0]!.values).toEqual({ Jewish: ['bias.antisemitism'], None: [] });
    expect(m.labels.rules[0]!.unknownValue).toBe('reject');
    expect(m.description).toEqual(['notes']);
  });

  it('lists every problem with its path, and parseMapping throws MAPPING_INVALID with all of them', () => {
    const bad = {
      format: { type: 'csv', delimiter: 'x' },
      externalId: '',
      occurred: { column: 'date', format: 'YYYY-DD-MM', timezone: 'Mars/Olympus' },
      location: { type: 'areaCode' },
      labels: { rules: [{ column: 'bias', values: { a: 'Not A Code' } }], constant: ['nope'] },
      severity: { column: 's' },
      surprise: true,
    };
    const paths = problemsOf(bad).map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'format.delimiter',
        'externalId',
        'occurred.format',
        'occurred.timezone',
        'location.column',
        'labels.rules[0].values.a',
        'labels.constant[0]',
        'severity',
      ]),
    );
    expect(paths.some((p) => p === '' || p === '(root)')).toBe(true);
    let thrown: unknown;
    try {
      parseMapping(bad);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(AppError);
    expect((thrown as AppError).code).toBe('MAPPING_INVALID');
    expect((thrown as AppError).details.length).toBe(problemsOf(bad).length);
  });

  it('refuses values listed twice once trimmed and lower-cased, and geometry outside GeoJSON', () => {
    const problems = problemsOf({
      ...minimal,
      location: { type: 'geometry' },
      labels: {
        rules: [{ column: 'b', values: { '2SLGBTQ+': 'bias.anti_lgbti', ' 2slgbtq+': 'bias.anti_lgbti' } }],
      },
    });
    expect(problems.map((p) => p.path)).toEqual(
      expect.arrayContaining(['location.type', 'labels.rules[0].values[" 2slgbtq+"]']),
    );
  });

  it('needs either a value map or a complete numeric range for severity', () => {
    expect(problemsOf({ ...minimal, severity: { column: 's', min: 1 } })[0]!.reason).toMatch(
      /both min and max/,
    );
    expect(problemsOf({ ...minimal, severity: { column: 's', min: 5, max: 1 } })[0]!.reason).toMatch(
      /greater/,
    );
    expect(
      problemsOf({ ...minimal, severity: { column: 's', min: 1, max: 3, values: { high: 3 } } })[0]!.reason,
    ).toMatch(/not both/);
    expect(
      parseMapping({ ...minimal, severity: { column: 's', values: { high: 3 } } }).severity?.values,
    ).toEqual({
      high: 3,
    });
  });

  it('names every term code and column it uses, with where', () => {
    const m = parseMapping({
      ...minimal,
      occurred: { column: 'date', time: { column: 'time', format: 'HHmm', padDigits: true } },
      labels: {
        rules: [
          { column: 'bias', values: { x: ['bias.racism', 'bias.xenophobia'] }, unknownValue: 'bias.unclear' },
        ],
        constant: ['incident.crime'],
      },
      extra: ['division'],
    });
    expect(mappingTermCodes(m)).toEqual([
      { code: 'bias.racism', path: 'labels.rules[0].values.x[0]' },
      { code: 'bias.xenophobia', path: 'labels.rules[0].values.x[1]' },
      { code: 'bias.unclear', path: 'labels.rules[0].unknownValue' },
      { code: 'incident.crime', path: 'labels.constant[0]' },
    ]);
    const terms = new Map([
      ['bias.racism', { retired: false }],
      ['bias.xenophobia', { retired: true }],
      ['incident.crime', { retired: false }],
    ]);
    expect(checkMappingTerms(m, terms)).toEqual([
      {
        path: 'labels.rules[0].values.x[1]',
        value: 'bias.xenophobia',
        reason: 'this taxonomy term is retired',
      },
      {
        path: 'labels.rules[0].unknownValue',
        value: 'bias.unclear',
        reason: 'no taxonomy term has this code',
      },
    ]);
    expect(mappingColumns(m).map((c) => c.column)).toEqual([
      'id',
      'date',
      'time',
      'area',
      'bias',
      'division',
    ]);
  });

  it('accepts the Toronto demo mapping', () => {
    const file = path.resolve(
      import.meta.dirname,
      '..',
      '..',
      'demo',
      'toronto',
      'tps-hate-crimes.mapping.json',
    );
    const m = parseMapping(JSON.parse(fs.readFileSync(file, 'utf8')));
    expect(m.location).toEqual({ type: 'areaCode', column: 'HOOD_158', cityWideValues: ['NSA'] });
    expect(m.occurred.time).toEqual({ column: 'OCCURRENCE_TIME', format: 'HHmm', padDigits: true });
    expect(m.labels.constant).toEqual(['incident.crime', 'channel.offline']);
  });
});

describe('docs/importing.md', () => {
  // The guide is how a city writes its first mapping without reading code: its examples must stay valid.
  const doc = fs.readFileSync(path.resolve(import.meta.dirname, '../../docs/importing.md'), 'utf8');
  // The reference sections show fragments; from "Complete examples" on, every JSON block is a whole document.
  const complete = doc.slice(doc.indexOf('## Complete examples'));
  const blocks = [...complete.matchAll(/```json\n([\s\S]*?)```/g)].map(
    (m) => JSON.parse(m[1]!) as Record<string, unknown>,
  );

  it('has complete mapping examples that all parse', () => {
    const mappings = blocks.filter((b) => 'format' in b && 'externalId' in b);
    expect(mappings.length).toBeGreaterThanOrEqual(5);
    for (const m of mappings) expect(() => parseMapping(m)).not.toThrow();
  });

  it('shows a city pack manifest that parses', () => {
    const packs = blocks.filter((b) => 'boundaries' in b);
    expect(packs.length).toBeGreaterThanOrEqual(1);
    for (const p of packs) expect(() => parseCityPack(p)).not.toThrow();
  });
});

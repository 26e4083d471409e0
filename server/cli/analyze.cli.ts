import fs from 'node:fs';
import type { Command } from 'commander';
import { parse as parseCsv } from 'csv-parse/sync';
import type { MultiPolygon, Polygon } from 'geojson';
import { neighboursFromPairs, queenContiguity, type Neighbours } from '../../core/analytics/contiguity.ts';
import { earsC, type EarsMethod, type EarsMode } from '../../core/analytics/ears.ts';
import { ebGlobal, ebLocal } from '../../core/analytics/eb.ts';
import { CLASSIC, NOUFAILY, farringtonFlexible } from '../../core/analytics/farrington.ts';
import { hotspots } from '../../core/analytics/gistar.ts';
import { recomputeAnalytics } from '../domains/analytics/recompute.ts';
import { AppError } from '../platform/errors.ts';
import type { Db } from '../db/database.ts';
import type { Clock } from '../platform/clock.ts';
import { withContext } from './context.ts';

/**
 * `npx cohesion analyze …`: the analytics engine on an analyst's own CSV files, reading and writing exactly the
 * formats of the reference folder (inputs `series,t,count` or `area,…`; outputs with the golden files' columns,
 * numbers as R's sprintf("%.17g"), empty for NA), so anyone can re-check the engine against R.
 */

/** A number as C's printf("%.17g"): 17 significant digits, trailing zeros dropped, exponent form below 1e-4. */
export function formatG17(x: number | null): string {
  if (x === null || Number.isNaN(x)) return '';
  if (!Number.isFinite(x)) throw new AppError('INTERNAL', 'an infinite value cannot be written');
  if (x === 0) return '0';
  const [mantissa, expText] = x.toExponential(16).split('e') as [string, string];
  const exp = Number(expText);
  const trim = (s: string) => (s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s);
  if (exp < -4 || exp >= 17) {
    const sign = exp < 0 ? '-' : '+';
    return `${trim(mantissa)}e${sign}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return trim(x.toFixed(Math.max(0, 16 - exp)));
}

const flag = (b: boolean | null) => (b === null ? '' : b ? '1' : '0');

function readCsv(file: string): Array<Record<string, string>> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new AppError('NOT_FOUND', `Cannot read ${file}`);
  }
  return parseCsv(text, { columns: true, skip_empty_lines: true, bom: true, trim: true }) as Array<
    Record<string, string>
  >;
}

function requireColumns(file: string, rows: Array<Record<string, string>>, columns: readonly string[]): void {
  const have = rows[0] ? Object.keys(rows[0]) : [];
  const missing = columns.filter((c) => !have.includes(c));
  if (rows.length === 0 || missing.length > 0) {
    throw new AppError(
      'VALIDATION_FAILED',
      `${file}: expected the columns ${columns.join(', ')}`,
      missing.map((c) => ({ column: c, reason: 'missing' })),
    );
  }
}

function number(file: string, row: number, column: string, text: string | undefined): number {
  const v = text === undefined || text === '' ? NaN : Number(text);
  if (!Number.isFinite(v)) {
    throw new AppError('VALIDATION_FAILED', `${file} line ${row + 2}: ${column} is not a number`, [
      { row: row + 2, column, value: text ?? '' },
    ]);
  }
  return v;
}

/** `series,t,count` into one count vector per series, in first-seen order; t must run 1..T without gaps. */
export function readSeries(file: string): Array<{ series: string; counts: number[] }> {
  const rows = readCsv(file);
  requireColumns(file, rows, ['series', 't', 'count']);
  const bySeries = new Map<string, number[]>();
  rows.forEach((r, i) => {
    const t = number(file, i, 't', r.t);
    const count = number(file, i, 'count', r.count);
    let counts = bySeries.get(r.series!);
    if (!counts) bySeries.set(r.series!, (counts = []));
    if (t !== counts.length + 1) {
      throw new AppError(
        'VALIDATION_FAILED',
        `${file} line ${i + 2}: series ${r.series} expects t = ${counts.length + 1}, found ${r.t}`,
      );
    }
    counts.push(count);
  });
  return [...bySeries].map(([series, counts]) => ({ series, counts }));
}

function write(output: string | undefined, header: string[], lines: string[][]): void {
  const text = [header.join(','), ...lines.map((l) => l.join(','))].join('\n') + '\n';
  if (output) fs.writeFileSync(output, text);
  else process.stdout.write(text);
}

function readNeighbours(
  codes: readonly string[],
  opts: { neighbours?: string; boundaries?: string; codeProperty?: string },
): Neighbours {
  if (opts.neighbours) {
    const rows = readCsv(opts.neighbours);
    requireColumns(opts.neighbours, rows, ['area', 'neighbour']);
    return neighboursFromPairs(
      codes,
      rows.map((r) => [r.area!, r.neighbour!] as const),
    );
  }
  if (opts.boundaries) {
    const doc = JSON.parse(fs.readFileSync(opts.boundaries, 'utf8')) as {
      features: Array<{ properties: Record<string, unknown>; geometry: Polygon | MultiPolygon }>;
    };
    const prop = opts.codeProperty ?? 'code';
    const byCode = new Map(doc.features.map((f) => [String(f.properties[prop]), f.geometry]));
    const missing = codes.filter((c) => !byCode.has(c));
    if (missing.length > 0)
      throw new AppError('VALIDATION_FAILED', `No boundary for areas: ${missing.slice(0, 10).join(', ')}`);
    return queenContiguity(codes.map((c) => byCode.get(c)!));
  }
  throw new AppError(
    'VALIDATION_FAILED',
    'Give --neighbours FILE (area,neighbour) or --boundaries FILE.geojson',
  );
}

export function registerAnalyzeCommands(program: Command): void {
  const analyze = program
    .command('analyze')
    .description(
      'Run the analytics methods on CSV files in the formats of the reference folder (no database needed)',
    );

  analyze
    .command('ears')
    .description('EARS C1/C2/C3 on series,t,count; writes series,t,upperbound,alarm')
    .requiredOption('--input <file>', 'series,t,count')
    .option('--method <C1|C2|C3>', 'method', 'C1')
    .option(
      '--mode <mode>',
      "'surveillance' (R surveillance::earsC exactly) or 'cdc' (the CDC C3, the product's default)",
      'cdc',
    )
    .option('--baseline <n>', 'baseline weeks', '7')
    .option('--alpha <a>', 'alpha', '0.001')
    .option('--min-sigma <s>', 'floor of the standard deviation', '0.5')
    .option('--output <file>', 'write here instead of standard output')
    .action(
      (o: {
        input: string;
        method: string;
        mode: string;
        baseline: string;
        alpha: string;
        minSigma: string;
        output?: string;
      }) => {
        if (!['C1', 'C2', 'C3'].includes(o.method))
          throw new AppError('VALIDATION_FAILED', '--method must be C1, C2 or C3');
        if (!['surveillance', 'cdc'].includes(o.mode))
          throw new AppError('VALIDATION_FAILED', '--mode must be surveillance or cdc');
        const lines: string[][] = [];
        for (const { series, counts } of readSeries(o.input)) {
          const r = earsC(counts, {
            method: o.method as EarsMethod,
            mode: o.mode as EarsMode,
            baseline: Number(o.baseline),
            alpha: Number(o.alpha),
            minSigma: Number(o.minSigma),
          });
          for (let i = 0; i < r.upperbound.length; i++) {
            lines.push([series, String(r.firstT + i), formatG17(r.upperbound[i]!), String(r.alarm[i])]);
          }
        }
        write(o.output, ['series', 't', 'upperbound', 'alarm'], lines);
      },
    );

  analyze
    .command('farrington')
    .description('Farrington flexible on series,t,count for the last --weeks of each series')
    .requiredOption('--input <file>', 'series,t,count')
    .option('--config <name>', "'noufaily' (improved, 2013) or 'classic' (1996)", 'noufaily')
    .option(
      '--fit <fit>',
      "'r-path' (R's IRLS path, matches surveillance) or 'mle' (fully converged)",
      'r-path',
    )
    .option('--weeks <n>', 'how many of the latest weeks to evaluate', '52')
    .option('--output <file>', 'write here instead of standard output')
    .action((o: { input: string; config: string; fit: string; weeks: string; output?: string }) => {
      if (!['noufaily', 'classic'].includes(o.config))
        throw new AppError('VALIDATION_FAILED', '--config must be noufaily or classic');
      if (!['r-path', 'mle'].includes(o.fit))
        throw new AppError('VALIDATION_FAILED', '--fit must be r-path or mle');
      const control = { ...(o.config === 'noufaily' ? NOUFAILY : CLASSIC), fit: o.fit as 'r-path' | 'mle' };
      const weeks = Number(o.weeks);
      const lines: string[][] = [];
      const warnings: string[] = [];
      for (const { series, counts } of readSeries(o.input)) {
        const T = counts.length;
        const range: number[] = [];
        for (let t = Math.max(1, T - weeks + 1); t <= T; t++) range.push(t);
        for (const r of farringtonFlexible(counts, range, control)) {
          if (r.warning) warnings.push(`${series} t=${r.t}: ${r.warning}`);
          lines.push([
            series,
            String(r.t),
            formatG17(r.expected),
            formatG17(r.upperbound),
            flag(r.alarm),
            flag(r.trendUsed),
            formatG17(r.trendCoef),
            formatG17(r.phi),
            formatG17(r.pvalue),
          ]);
        }
      }
      write(
        o.output,
        ['series', 't', 'expected', 'upperbound', 'alarm', 'trend_used', 'trend_coef', 'phi', 'pvalue'],
        lines,
      );
      for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
    });

  analyze
    .command('neighbours')
    .description('Queen contiguity from boundaries; writes area,neighbour (both directions)')
    .requiredOption('--boundaries <file>', 'GeoJSON FeatureCollection of polygons')
    .option('--code-property <name>', 'feature property holding the area code', 'code')
    .option('--output <file>', 'write here instead of standard output')
    .action((o: { boundaries: string; codeProperty: string; output?: string }) => {
      const doc = JSON.parse(fs.readFileSync(o.boundaries, 'utf8')) as {
        features: Array<{ properties: Record<string, unknown> }>;
      };
      const codes = doc.features.map((f) => String(f.properties[o.codeProperty])).sort(compareCodes);
      const nb = readNeighbours(codes, o);
      const lines: string[][] = [];
      for (let i = 0; i < nb.n; i++) {
        for (let k = nb.offsets[i]!; k < nb.offsets[i + 1]!; k++)
          lines.push([codes[i]!, codes[nb.indices[k]!]!]);
      }
      write(o.output, ['area', 'neighbour'], lines);
    });

  analyze
    .command('gistar')
    .description(
      'Getis-Ord Gi* (binary weights, self included) with two-sided p-values and Benjamini–Hochberg FDR',
    )
    .requiredOption('--values <file>', 'area,value')
    .option('--neighbours <file>', 'area,neighbour (both directions)')
    .option('--boundaries <file>', 'or compute queen contiguity from a GeoJSON file')
    .option('--code-property <name>', 'feature property holding the area code', 'code')
    .option('--alpha <a>', 'false discovery rate', '0.05')
    .option('--permutations <n>', 'also compute conditional permutation p-values')
    .option('--seed <n>', 'seed for the permutations', '1')
    .option('--output <file>', 'area,z (gistar.csv)')
    .option('--fdr <file>', 'area,z,p,p_bh,significant_bh,significant_esda,direction (fdr.csv)')
    .option('--summary <file>', 'the cut-offs (fdr_summary.csv)')
    .action(
      (o: {
        values: string;
        neighbours?: string;
        boundaries?: string;
        codeProperty: string;
        alpha: string;
        permutations?: string;
        seed: string;
        output?: string;
        fdr?: string;
        summary?: string;
      }) => {
        const rows = readCsv(o.values);
        requireColumns(o.values, rows, ['area', 'value']);
        const codes = rows.map((r) => r.area!);
        const values = rows.map((r, i) => number(o.values, i, 'value', r.value));
        const nb = readNeighbours(codes, o);
        const h = hotspots(values, nb, {
          alpha: Number(o.alpha),
          ...(o.permutations ? { permutations: Number(o.permutations), seed: Number(o.seed) } : {}),
        });
        write(
          o.output,
          ['area', 'z'],
          codes.map((c, i) => [c, formatG17(h.z[i]!)]),
        );
        if (o.fdr) {
          const header = ['area', 'z', 'p', 'p_bh', 'significant_bh', 'significant_esda', 'direction'];
          if (h.permutationP) header.push('p_permutation');
          write(
            o.fdr,
            header,
            codes.map((c, i) => {
              const line = [
                c,
                formatG17(h.z[i]!),
                formatG17(h.p[i]!),
                formatG17(h.pBh[i]!),
                flag(h.significant[i] === 1),
                flag(h.p[i]! < h.summary.esdaCutoff),
                h.direction[i] === 1 ? 'hot' : h.direction[i] === -1 ? 'cold' : '',
              ];
              if (h.permutationP) line.push(formatG17(h.permutationP[i]!));
              return line;
            }),
          );
        }
        if (o.summary) {
          const s = h.summary;
          const esdaSignificant = codes.filter((_, i) => h.p[i]! < s.esdaCutoff).length;
          write(
            o.summary,
            [
              'alpha',
              'm',
              'bh_k',
              'bh_threshold',
              'bh_max_significant_p',
              'n_significant_bh',
              'esda_k',
              'esda_cutoff',
              'n_significant_esda',
            ],
            [
              [
                formatG17(s.alpha),
                String(s.m),
                String(s.bhK),
                formatG17(s.bhThreshold),
                formatG17(s.bhMaxSignificantP),
                String(s.bhK),
                String(s.esdaK),
                formatG17(s.esdaCutoff),
                String(esdaSignificant),
              ],
            ],
          );
        }
      },
    );

  analyze
    .command('eb')
    .description('Empirical Bayes rates: global (Marshall) and local (GeoDa) from area,cases,population')
    .requiredOption('--input <file>', 'area,cases,population')
    .option('--neighbours <file>', 'area,neighbour, for the local estimate')
    .option('--boundaries <file>', 'or compute queen contiguity from a GeoJSON file')
    .option('--code-property <name>', 'feature property holding the area code', 'code')
    .option('--global <file>', 'area,raw,eb (global.csv)')
    .option('--params <file>', 'the global prior mean b and variance a (global_params.csv)')
    .option('--local <file>', 'area,raw,eb,prior_mean,prior_var (local.csv)')
    .action(
      (o: {
        input: string;
        neighbours?: string;
        boundaries?: string;
        codeProperty: string;
        global?: string;
        params?: string;
        local?: string;
      }) => {
        const rows = readCsv(o.input);
        requireColumns(o.input, rows, ['area', 'cases', 'population']);
        const codes = rows.map((r) => r.area!);
        const cases = rows.map((r, i) => number(o.input, i, 'cases', r.cases));
        const population = rows.map((r, i) => number(o.input, i, 'population', r.population));
        const g = ebGlobal(cases, population);
        if (o.global || (!o.local && !o.params)) {
          write(
            o.global,
            ['area', 'raw', 'eb'],
            codes.map((c, i) => [c, formatG17(g.raw[i]!), formatG17(g.eb[i]!)]),
          );
        }
        if (o.params) {
          const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
          write(
            o.params,
            ['prior_mean_b', 'prior_var_a', 'sum_cases', 'sum_population', 'm'],
            [
              [
                formatG17(g.priorMean),
                formatG17(g.priorVar),
                formatG17(sum(cases)),
                formatG17(sum(population)),
                String(codes.length),
              ],
            ],
          );
        }
        if (o.local) {
          const l = ebLocal(cases, population, readNeighbours(codes, o));
          write(
            o.local,
            ['area', 'raw', 'eb', 'prior_mean', 'prior_var'],
            codes.map((c, i) => [
              c,
              formatG17(l.raw[i]!),
              formatG17(l.eb[i]!),
              formatG17(l.priorMean[i]!),
              formatG17(l.priorVar[i]!),
            ]),
          );
        }
      },
    );

  const analytics = program.command('analytics').description("The stored analytics of this instance's data");
  analytics
    .command('recompute')
    .description(
      'Recompute the early warning from the rollups now (the server also does after imports and hourly)',
    )
    .action(async () => {
      await withContext(async ({ db, clock }) => {
        const s = await recomputeAnalytics(db, clock, null, { reason: 'manual' });
        for (const [grain, g] of Object.entries(s.grains)) {
          console.log(
            `${grain}: ${g.watched} of ${g.series} series watched over ${g.periods} periods, ${g.alarms} alarms, ${g.notConverged} fits without convergence`,
          );
        }
        console.log(
          `alarms: ${s.alarms.raised} raised, ${s.alarms.refreshed} still standing, ${s.alarms.withdrawn} withdrawn (data until ${s.dataUntil ?? '—'}; ${s.ms.read + s.ms.compute + s.ms.write} ms)`,
        );
      });
    });
}

/**
 * After a CLI import, rollback or city load: the early warning is recomputed at once (a running server would
 * otherwise notice the change only at its next scheduled check). One line says what it found.
 */
export async function recomputeAfterChange(
  db: Db,
  clock: Clock,
  reason: 'import' | 'rollback',
): Promise<void> {
  const s = await recomputeAnalytics(db, clock, null, { reason });
  console.log(
    `Early warning recomputed: ${s.alarms.raised} new alarms, ${s.alarms.withdrawn} withdrawn (${s.grains.week.watched} weekly series watched)`,
  );
}

/** Codes in numeric order when they are numbers ("001" < "010" < "100"), text order otherwise. */
function compareCodes(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (Number.isFinite(na) && Number.isFinite(nb) && na !== nb) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}

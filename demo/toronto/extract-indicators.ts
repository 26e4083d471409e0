// Extracts the area indicators of the Toronto demo city from the City's Neighbourhood Profiles 2021 (158 model).
//
//   node_modules/.bin/node demo/toronto/extract-indicators.ts neighbourhood_profiles_2021_158_model.csv \
//     > demo/toronto/neighbourhood_indicators_2021_158.csv
//
// The CSV goes to stdout, a summary per column to stderr. The profile is wide and transposed: one row per
// indicator, one column per neighbourhood, and leading spaces in the label give the hierarchy. Labels repeat across
// sections ("  Non-movers" is under both the 1-year and the 5-year mobility totals), so each figure is read as
// "the first row with exactly this label inside the section opened by this total", never by position: a reordered
// release then fails loudly instead of yielding the wrong row. See README.md for each column's rows.
import fs from 'node:fs';
import { parse } from 'csv-parse/sync';

type Column = {
  name: string;
  /**
   * Bounds a Toronto neighbourhood's value should stay within; outside them the run warns. They are wide on purpose
   * (real extremes such as Wellington Place's new-condo turnover sit inside): their job is to catch a wrong row.
   */
  plausible: [number, number];
  values: number[];
};

const file = process.argv[2];
if (!file) {
  console.error('usage: extract-indicators.ts <neighbourhood_profiles_2021_158_model.csv>');
  process.exit(2);
}

const rows = parse(fs.readFileSync(file), { bom: true, relax_column_count: false }) as string[][];
const labels = rows.map((r) => r[0]!);
const width = rows[0]!.length - 1;

function fail(message: string): never {
  console.error(`extract-indicators: ${message}`);
  process.exit(1);
}

/** Row index of the first row labelled exactly `label`. */
function top(label: string): number {
  const i = labels.indexOf(label);
  if (i < 0) fail(`no row labelled ${JSON.stringify(label)}`);
  return i;
}

/**
 * Row index of the first row labelled exactly `label` below the total at `section`, before the next unindented
 * label (where the profile starts its next table).
 */
function within(section: number, label: string): number {
  for (let i = section + 1; i < labels.length && labels[i]!.startsWith(' '); i++) {
    if (labels[i] === label) return i;
  }
  fail(`no row labelled ${JSON.stringify(label)} under ${JSON.stringify(labels[section])}`);
}

function numbers(row: number): number[] {
  return rows[row]!.slice(1).map((raw, j) => {
    const v = Number(raw.trim());
    if (raw.trim() === '' || !Number.isFinite(v)) {
      fail(`${JSON.stringify(labels[row])}, column ${j + 2}: ${JSON.stringify(raw)} is not a number`);
    }
    return v;
  });
}

const round1 = (x: number) => Math.round(x * 10) / 10;

/** Percentage of `parts` (summed) in `total`, to one decimal like the profile's own rates. */
function share(total: number, parts: number[]): number[] {
  const t = numbers(total);
  const p = parts.map(numbers);
  return t.map((d, j) => {
    if (d <= 0) fail(`${JSON.stringify(labels[total])} is ${d} in column ${j + 2}`);
    return round1((100 * p.reduce((s, row) => s + row[j]!, 0)) / d);
  });
}

const numbersRow = top('Neighbourhood Number');
const codes = rows[numbersRow]!.slice(1).map((n) => {
  if (!/^\d{1,3}$/.test(n.trim())) fail(`neighbourhood number ${JSON.stringify(n)}`);
  return n.trim().padStart(3, '0');
});
if (new Set(codes).size !== codes.length) fail('a neighbourhood number appears twice');
const names = rows[top('Neighbourhood Name')]!.slice(1);

const age = top('Total - Age groups of the population - 25% sample data');
const limAt = top('Prevalence of low income based on the Low-income measure, after tax (LIM-AT) (%)');
const labour = top('Total - Population aged 15 years and over by labour force status - 25% sample data');
const education = top(
  'Total - Highest certificate, diploma or degree for the population aged 25 to 64 years in private households - 25% sample data',
);
const immigration = top(
  'Total - Immigrant status and period of immigration for the population in private households - 25% sample data',
);
const mobility5 = top('Total - Mobility status 5 years ago - 25% sample data');

const columns: Column[] = [
  { name: 'low_income_lim_at_pct', plausible: [2, 45], values: numbers(limAt) },
  // The rates sit right after the labour-force table, unindented, so they are looked up as rows of their own;
  // `top` takes the first occurrence and both labels occur once.
  { name: 'unemployment_rate_pct', plausible: [3, 30], values: numbers(top('Unemployment rate')) },
  {
    name: 'youth_15_24_pct',
    plausible: [5, 40],
    values: share(age, [within(age, '    15 to 19 years'), within(age, '    20 to 24 years')]),
  },
  {
    name: 'no_certificate_pct',
    plausible: [0, 40],
    values: share(education, [within(education, '  No certificate, diploma or degree')]),
  },
  {
    name: 'recent_immigrants_pct',
    plausible: [0, 30],
    // "2016 to 2021" sits under Immigrants > 2011 to 2021, hence the six spaces.
    values: share(immigration, [within(immigration, '      2016 to 2021')]),
  },
  {
    name: 'tsns_nia',
    plausible: [0, 1],
    // Four neighbourhoods split from former NIAs read "Neighbourhood Improvement Area (formerly Woburn)" and the
    // like; the boundary file classes them as NIAs too, so the prefix decides.
    values: rows[top('TSNS 2020 Designation')]!.slice(1).map((d) =>
      d.trim().startsWith('Neighbourhood Improvement Area') ? 1 : 0,
    ),
  },
  {
    name: 'postsecondary_pct',
    plausible: [35, 99],
    values: share(education, [within(education, '  Postsecondary certificate, diploma or degree')]),
  },
  {
    name: 'same_address_5y_pct',
    plausible: [10, 95],
    values: share(mobility5, [within(mobility5, '  Non-movers')]),
  },
  { name: 'employment_rate_pct', plausible: [25, 90], values: numbers(top('Employment rate')) },
];

// Cross-checks against the profile's own counts: a wrong row would rarely agree with them.
{
  const inForce = numbers(within(labour, '  In the labour force'));
  const unemployed = numbers(within(labour, '    Unemployed'));
  const employed = numbers(within(labour, '    Employed'));
  const pop15 = numbers(labour);
  const valuesOf = (name: string) => columns.find((c) => c.name === name)!.values;
  const unemployment = valuesOf('unemployment_rate_pct');
  const employment = valuesOf('employment_rate_pct');
  for (let j = 0; j < width; j++) {
    // Counts are randomly rounded to 5, so the published rates differ from a recount by a little.
    if (Math.abs((100 * unemployed[j]!) / inForce[j]! - unemployment[j]!) > 1.5) {
      fail(`unemployment rate of ${names[j]} does not match its counts`);
    }
    if (Math.abs((100 * employed[j]!) / pop15[j]! - employment[j]!) > 1.5) {
      fail(`employment rate of ${names[j]} does not match its counts`);
    }
  }
}

const order = codes.map((_, j) => j).sort((a, b) => codes[a]!.localeCompare(codes[b]!));
const out = [['HOOD_158', ...columns.map((c) => c.name)].join(',')];
for (const j of order) out.push([codes[j], ...columns.map((c) => String(c.values[j]))].join(','));
process.stdout.write(out.join('\n') + '\n');

let warnings = 0;
const fmt = (x: number) => x.toFixed(1).padStart(6);
console.error(`${width} neighbourhoods`);
console.error(`${'column'.padEnd(24)}    min median   mean    max  (lowest / highest)`);
for (const c of columns) {
  if (c.values.every((v) => v === 0 || v === 1)) {
    console.error(`${c.name.padEnd(24)} ${c.values.filter((v) => v === 1).length} neighbourhoods are 1, the others 0`);
    continue;
  }
  const sorted = [...c.values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  const mean = c.values.reduce((s, v) => s + v, 0) / c.values.length;
  const lo = c.values.indexOf(sorted[0]!);
  const hi = c.values.indexOf(sorted.at(-1)!);
  console.error(
    `${c.name.padEnd(24)} ${fmt(sorted[0]!)} ${fmt(median)} ${fmt(mean)} ${fmt(sorted.at(-1)!)}  (${names[lo]} / ${names[hi]})`,
  );
  c.values.forEach((v, j) => {
    if (v < c.plausible[0] || v > c.plausible[1]) {
      warnings++;
      console.error(`  warning: ${c.name} = ${v} in ${codes[j]} ${names[j]}, outside ${c.plausible.join('–')}`);
    }
  });
}
if (warnings > 0) console.error(`${warnings} values outside their plausible range`);

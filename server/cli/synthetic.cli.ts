import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { generateCity, DEFAULT_BBOX, type SyntheticCity } from '../../core/synthetic/city.ts';
import {
  boundariesGeoJson,
  cityPackManifest,
  districtsGeoJson,
  PACK_FILES,
  populationCsv,
  signalCsvHeader,
  signalCsvLine,
  syntheticSignalMapping,
} from '../../core/synthetic/city-pack.ts';
import type { BBox } from '../../core/synthetic/geometry.ts';
import { generateSignals, type SpikeTruth } from '../../core/synthetic/signals.ts';

export type SyntheticPackOptions = {
  seed: number;
  areas: number;
  signals: number;
  from: string;
  to: string;
  verticesPerArea?: number;
  /** Number of districts; 0 for none; undefined for the default (about one per 25 cells). */
  districts?: number;
  bbox?: BBox;
  timezone: string;
};

export type SyntheticPackSummary = {
  dir: string;
  areas: number;
  districts: number;
  vertices: number;
  signals: number;
  spikes: SpikeTruth[];
};

/** Streams the signals CSV to disk in ~1 MiB writes, waiting for drain, so a million rows never sit in memory. */
async function writeSignalsCsv(
  file: string,
  rows: Iterable<Parameters<typeof signalCsvLine>[0]>,
): Promise<number> {
  const out = fs.createWriteStream(file);
  const done = new Promise<void>((resolve, reject) => {
    out.on('finish', resolve);
    out.on('error', reject);
  });
  let buffer = `${signalCsvHeader()}\r\n`;
  let count = 0;
  for (const row of rows) {
    buffer += `${signalCsvLine(row)}\r\n`;
    count++;
    if (buffer.length >= 1 << 20) {
      const chunk = buffer;
      buffer = '';
      if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', resolve));
    }
  }
  out.end(buffer);
  await done;
  return count;
}

/** Writes a complete synthetic city pack (city.json and the files it names) that `loadCityPack` imports as is. */
export async function writeSyntheticCityPack(
  dir: string,
  options: SyntheticPackOptions,
): Promise<SyntheticPackSummary> {
  const city: SyntheticCity = generateCity({
    seed: options.seed,
    areas: options.areas,
    ...(options.bbox && { bbox: options.bbox }),
    ...(options.verticesPerArea !== undefined && { verticesPerArea: options.verticesPerArea }),
    ...(options.districts !== undefined && {
      districts: options.districts === 0 ? false : options.districts,
    }),
  });
  fs.mkdirSync(dir, { recursive: true });
  const write = (file: string, text: string) => fs.writeFileSync(path.join(dir, file), text);
  write(PACK_FILES.boundaries, boundariesGeoJson(city));
  if (city.districts.length > 0) write(PACK_FILES.districts, districtsGeoJson(city));
  write(PACK_FILES.population, populationCsv(city));

  let spikes: SpikeTruth[] = [];
  let written = 0;
  if (options.signals > 0) {
    const stream = generateSignals({
      seed: options.seed,
      city,
      count: options.signals,
      from: options.from,
      to: options.to,
    });
    spikes = stream.spikes;
    written = await writeSignalsCsv(path.join(dir, PACK_FILES.signals), stream);
    write(PACK_FILES.mapping, `${JSON.stringify(syntheticSignalMapping(), null, 2)}\n`);
  }
  write(
    PACK_FILES.groundTruth,
    `${JSON.stringify(
      {
        generator: 'cohesion synthetic generate',
        seed: options.seed,
        areas: city.areas.length,
        districts: city.districts.length,
        verticesPerArea: city.vertexCount / city.areas.length,
        signals: written,
        from: options.from,
        to: options.to,
        note: 'Each spike added `extra` rows to the expected `baseline` for that area, label and ISO week (Monday).',
        spikes,
      },
      null,
      2,
    )}\n`,
  );
  write(
    PACK_FILES.manifest,
    `${JSON.stringify(cityPackManifest(city, { timezone: options.timezone, signals: written > 0 }), null, 2)}\n`,
  );
  return {
    dir,
    areas: city.areas.length,
    districts: city.districts.length,
    vertices: city.vertexCount,
    signals: written,
    spikes,
  };
}

const integer =
  (name: string, min: number) =>
  (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer of at least ${min}`);
    return n;
  };

function parseBBox(value: string): BBox {
  const parts = value.split(',').map(Number);
  if (parts.length !== 4 || parts.some((n) => !Number.isFinite(n))) {
    throw new Error('--bbox must be minLon,minLat,maxLon,maxLat');
  }
  return parts as BBox;
}

export function registerSyntheticCommands(program: Command): void {
  const synthetic = program
    .command('synthetic')
    .description('Generate seeded synthetic cities and signals for tests, demos and benchmarks');

  synthetic
    .command('generate')
    .description(
      'Write a synthetic city pack (city.json, boundaries, population, signals, mapping, ground truth) to a folder',
    )
    .requiredOption('--out <dir>', 'folder to write the city pack into')
    .option('--areas <n>', 'number of neighbourhoods', integer('areas', 2), 500)
    .option('--signals <n>', 'number of signal rows (0 for boundaries only)', integer('signals', 0), 100_000)
    .option('--seed <n>', 'seed: the same seed writes the same files', integer('seed', 0), 42)
    .option('--from <day>', 'first day of the signals, YYYY-MM-DD', '2023-01-01')
    .option('--to <day>', 'last day of the signals, YYYY-MM-DD', '2024-12-31')
    .option(
      '--vertices-per-area <n>',
      'average boundary vertices per neighbourhood',
      integer('vertices-per-area', 3),
      175,
    )
    .option(
      '--districts <n>',
      'number of districts grouping the neighbourhoods (0 for none; default about one per 25)',
      integer('districts', 0),
    )
    .option(
      '--bbox <minLon,minLat,maxLon,maxLat>',
      `extent in WGS84 (default ${DEFAULT_BBOX.join(',')})`,
      parseBBox,
    )
    .option('--timezone <zone>', 'IANA time zone of the local times in signals.csv', 'Europe/Rome')
    .action(
      async (opts: {
        out: string;
        areas: number;
        signals: number;
        seed: number;
        from: string;
        to: string;
        verticesPerArea: number;
        districts?: number;
        bbox?: BBox;
        timezone: string;
      }) => {
        const t0 = performance.now();
        const summary = await writeSyntheticCityPack(path.resolve(opts.out), {
          seed: opts.seed,
          areas: opts.areas,
          signals: opts.signals,
          from: opts.from,
          to: opts.to,
          verticesPerArea: opts.verticesPerArea,
          ...(opts.districts !== undefined && { districts: opts.districts }),
          ...(opts.bbox && { bbox: opts.bbox }),
          timezone: opts.timezone,
        });
        console.log(
          `${summary.dir}: ${summary.areas} neighbourhoods in ${summary.districts} districts ` +
            `(${summary.vertices} boundary vertices), ${summary.signals} signals, ${summary.spikes.length} spikes ` +
            `(${Math.round(performance.now() - t0)} ms)`,
        );
      },
    );
}

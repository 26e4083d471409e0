import type { Feature, FeatureCollection, MultiPolygon, Polygon } from 'geojson';
import type { CityPackInput } from '../contracts/city-pack.ts';
import type { MappingInput } from '../contracts/mapping.ts';
import type { SyntheticArea, SyntheticCity } from './city.ts';
import type { SyntheticSignal } from './signals.ts';

/**
 * Pure serialisers for a synthetic "city pack" (the folder format `loadCityPack` imports); the CLI and the benchmark
 * do the file IO. Numbers are written with JavaScript's shortest round-trip form, so every shared vertex and every
 * snapped point reads back as the very same double.
 */

export const SIGNAL_COLUMNS = ['id', 'occurred_at', 'longitude', 'latitude', 'labels', 'severity'] as const;

export const signalCsvHeader = (): string => SIGNAL_COLUMNS.join(',');

/** One CSV record (no line break). Labels are taxonomy codes joined by '|'; blank coordinates mean city-wide. */
export function signalCsvLine(row: SyntheticSignal): string {
  return [
    row.externalId,
    row.occurredAt,
    row.lon ?? '',
    row.lat ?? '',
    row.labels.join('|'),
    row.severity,
  ].join(',');
}

/** The mapping file for signals.csv: codes are taxonomy codes already, points outside every area stay city-wide. */
export function syntheticSignalMapping(): MappingInput {
  return {
    version: 1,
    format: { type: 'csv', encoding: 'utf-8', delimiter: ',', headerRow: 1 },
    externalId: 'id',
    occurred: { column: 'occurred_at', format: "yyyy-MM-dd'T'HH:mm" },
    location: { type: 'lonLat', lon: 'longitude', lat: 'latitude' },
    unknownArea: 'cityWide',
    labels: { rules: [{ column: 'labels', split: '|', codes: true }] },
    severity: { column: 'severity', min: 1, max: 5 },
  };
}

function areaFeature(area: SyntheticArea): Feature<Polygon | MultiPolygon> {
  return {
    type: 'Feature',
    properties: { code: area.code, name: area.name, level: area.level, parent_code: area.parentCode },
    geometry: area.geometry,
  };
}

const featureCollection = (areas: SyntheticArea[]): string => {
  const collection: FeatureCollection<Polygon | MultiPolygon> = {
    type: 'FeatureCollection',
    features: areas.map(areaFeature),
  };
  return JSON.stringify(collection);
};

/** The neighbourhood cells, each with `parent_code` naming its district (null without districts). */
export const boundariesGeoJson = (city: SyntheticCity): string => featureCollection(city.areas);

export const districtsGeoJson = (city: SyntheticCity): string => featureCollection(city.districts);

export function populationCsv(city: SyntheticCity): string {
  const lines = ['code,population'];
  for (const area of [...city.districts, ...city.areas]) lines.push(`${area.code},${area.population}`);
  return `${lines.join('\n')}\n`;
}

export const PACK_FILES = {
  manifest: 'city.json',
  boundaries: 'boundaries.geojson',
  districts: 'districts.geojson',
  population: 'population.csv',
  signals: 'signals.csv',
  mapping: 'signals.mapping.json',
  groundTruth: 'ground-truth.json',
} as const;

export const SYNTHETIC_SOURCE_CODE = 'synthetic-reports';

/**
 * city.json for a synthetic pack, in the format `loadCityPack` reads (core/contracts/city-pack.ts): districts are
 * imported before the neighbourhoods that name them as parents.
 */
export function cityPackManifest(
  city: SyntheticCity,
  options: { timezone: string; signals: boolean },
): CityPackInput {
  const neighbourhoods = {
    file: PACK_FILES.boundaries,
    codeProperty: 'code',
    nameProperty: 'name',
    level: 'neighbourhood',
    ...(city.districts.length > 0 && { parentCodeProperty: 'parent_code' }),
  };
  return {
    name: city.name,
    timezone: options.timezone,
    defaultLocale: 'en',
    boundaries:
      city.districts.length > 0
        ? [
            { file: PACK_FILES.districts, codeProperty: 'code', nameProperty: 'name', level: 'district' },
            neighbourhoods,
          ]
        : [neighbourhoods],
    attributes: [
      {
        file: PACK_FILES.population,
        codeColumn: 'code',
        columns: ['population'],
        source: `Synthetic population (cohesion synthetic generate, seed ${city.seed})`,
      },
    ],
    sources: options.signals
      ? [
          {
            code: SYNTHETIC_SOURCE_CODE,
            name: 'Synthetic incident reports',
            kind: 'other',
            method: 'upload',
            cadence: 'weekly',
            licence: 'CC0-1.0 (generated)',
            notes: `Generated with seed ${city.seed}; injected spikes are listed in ${PACK_FILES.groundTruth}.`,
            mapping: PACK_FILES.mapping,
          },
        ]
      : [],
    signals: options.signals ? [{ source: SYNTHETIC_SOURCE_CODE, file: PACK_FILES.signals }] : [],
  };
}

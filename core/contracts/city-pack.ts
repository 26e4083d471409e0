import { z } from 'zod';
import { AppError } from '../../server/platform/errors.ts';

/**
 * A city pack is a folder with a `city.json` manifest and the files it names: boundaries, area attributes, the
 * sources that deliver signals, and signal files with their mappings. It is how the demo city ships and how a
 * new city can bootstrap an instance in one command (`cohesion city load DIR`). Paths are relative to the folder.
 */

const relativeFile = z
  .string()
  .trim()
  .min(1)
  .refine((p) => !p.startsWith('/') && !p.split(/[\\/]/).includes('..'), {
    message: 'a file in the pack folder (no absolute paths, no ..)',
  });

const boundariesSchema = z.strictObject({
  file: relativeFile,
  codeProperty: z.string().min(1),
  nameProperty: z.string().min(1),
  level: z.string().min(1).optional(),
  parentCodeProperty: z.string().min(1).optional(),
});

const attributesSchema = z.strictObject({
  file: relativeFile,
  codeColumn: z.string().min(1),
  columns: z.array(z.string().min(1)).min(1),
  source: z.string().optional(),
});

const sourceSchema = z
  .object({
    code: z.string().min(1),
    /** A mapping file in the pack, or the mapping itself. */
    mapping: z.union([relativeFile, z.record(z.string(), z.unknown())]).optional(),
  })
  // Every other field is the source registry's own (name, kind, method, cadence, licence …), validated there.
  .catchall(z.unknown());

const signalFileSchema = z.strictObject({
  source: z.string().min(1),
  file: relativeFile,
  /** Defaults to the source's mapping. */
  mapping: z.union([relativeFile, z.record(z.string(), z.unknown())]).optional(),
});

export const cityPackSchema = z.strictObject({
  name: z.string().min(1),
  /** IANA zone for local times in the city's files, e.g. America/Toronto. */
  timezone: z.string().min(1),
  defaultLocale: z.string().min(2).default('en'),
  /** In order: parents before children when levels nest. */
  // One boundaries object or a list; wrapped before validation so that problems point into the entry.
  boundaries: z.preprocess(
    (b) => (b === undefined || Array.isArray(b) ? b : [b]),
    z.array(boundariesSchema).min(1, 'name at least one boundary file'),
  ),
  attributes: z.array(attributesSchema).default([]),
  sources: z.array(sourceSchema).default([]),
  signals: z.array(signalFileSchema).default([]),
});

export type CityPack = z.output<typeof cityPackSchema>;
export type CityPackInput = z.input<typeof cityPackSchema>;

/** Parses a city.json document, listing every problem (VALIDATION_FAILED). */
export function parseCityPack(json: unknown): CityPack {
  const parsed = cityPackSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  throw new AppError(
    'VALIDATION_FAILED',
    'city.json is not valid',
    parsed.error.issues.map((i) => ({ path: i.path.join('.'), reason: i.message })),
  );
}

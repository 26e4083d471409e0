import { z } from 'zod';
import { CADENCES } from './sources.freshness.ts';

export const SOURCE_KINDS = [
  'municipal_department',
  'police',
  'school',
  'health',
  'community_organisation',
  'faith_group',
  'ngo',
  'other',
] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

export const SOURCE_METHODS = ['upload', 'url'] as const;
export type SourceMethod = (typeof SOURCE_METHODS)[number];

export const SOURCE_CODE_PATTERN = /^[a-z0-9]+(?:[-_][a-z0-9]+)*$/;

const text = (max: number) => z.string().trim().max(max);
const optionalText = (max: number) => text(max).nullable().optional();

export const sourceCodeSchema = z
  .string()
  .max(64)
  .regex(SOURCE_CODE_PATTERN, 'a code is a lowercase slug such as tps or city-housing (a-z, 0-9, - and _)');

// Fetching by URL happens server-side: only web URLs, so a source cannot point the server at file: or other schemes.
const urlSchema = z.url({ protocol: /^https?$/, error: 'must be an http or https URL' }).max(2000);

const fields = {
  name: text(200).min(1),
  kind: z.enum(SOURCE_KINDS),
  contactName: optionalText(200),
  contactEmail: z.email({ error: 'must be an email address' }).max(254).nullable().optional(),
  licence: optionalText(200).describe('e.g. Open Government Licence – Toronto'),
  method: z
    .enum(SOURCE_METHODS)
    .describe('upload: files are uploaded; url: the server fetches the file from url'),
  url: urlSchema.nullable().optional(),
  cadence: z.enum(CADENCES),
  mapping: z
    .record(z.string(), z.unknown())
    .nullable()
    .optional()
    .describe('Column mapping the provider’s files use (see docs/importing.md)'),
  notes: optionalText(5000),
};

function requireUrlForUrlMethod(
  v: { method?: string | undefined; url?: string | null | undefined },
  ctx: z.RefinementCtx,
) {
  if (v.method === 'url' && !v.url) {
    ctx.addIssue({ code: 'custom', path: ['url'], message: 'method url needs the url to fetch from' });
  }
  if (v.method === 'upload' && v.url) {
    ctx.addIssue({ code: 'custom', path: ['url'], message: 'a url is only used with method url' });
  }
}

export const newSourceSchema = z
  .strictObject({ code: sourceCodeSchema, ...fields })
  .superRefine(requireUrlForUrlMethod);
export type NewSource = z.input<typeof newSourceSchema>;

/** Every field but the code, which is the source's identity in mappings, files and history. */
export const sourceUpdateSchema = z.strictObject({
  name: fields.name.optional(),
  kind: fields.kind.optional(),
  contactName: fields.contactName,
  contactEmail: fields.contactEmail,
  licence: fields.licence,
  method: fields.method.optional(),
  url: fields.url,
  cadence: fields.cadence.optional(),
  mapping: fields.mapping,
  notes: fields.notes,
  archived: z.boolean().optional().describe('true stops expecting deliveries; false brings the source back'),
});
export type SourceUpdate = z.input<typeof sourceUpdateSchema>;

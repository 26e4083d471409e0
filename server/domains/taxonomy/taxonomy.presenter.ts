import { z } from 'zod';
import type { TaxonomyFacet, TaxonomyTerm } from './taxonomy.service.ts';

export const termSchema = z.object({
  code: z.string(),
  parentCode: z.string().nullable(),
  facet: z.string(),
  label: z.string(),
  description: z.string().nullable(),
  retired: z.boolean(),
  custom: z.boolean(),
  labelLocale: z
    .string()
    .describe('The locale the label came from; differs from the request when it fell back'),
});

export const termDetailSchema = termSchema.extend({
  retiredAt: z.string().nullable(),
  labels: z.record(
    z.string(),
    z.object({
      label: z.string(),
      description: z.string().nullable(),
      edited: z
        .boolean()
        .describe('True when the city wrote this text; shipped text is refreshed by upgrades'),
    }),
  ),
});

export const facetSchema = z.object({ code: z.string(), name: z.string(), nameLocale: z.string() });

export const taxonomySchema = z.object({
  locale: z.string(),
  facets: z.array(facetSchema),
  terms: z.array(termSchema),
});

export function presentTerm(t: TaxonomyTerm): z.infer<typeof termSchema> {
  return {
    code: t.code,
    parentCode: t.parentCode,
    facet: t.facet,
    label: t.label,
    description: t.description,
    retired: t.retiredAt !== null,
    custom: t.custom,
    labelLocale: t.labelLocale,
  };
}

export function presentTermDetail(t: TaxonomyTerm): z.infer<typeof termDetailSchema> {
  return {
    ...presentTerm(t),
    retiredAt: t.retiredAt,
    labels: Object.fromEntries(
      Object.entries(t.labels).map(([locale, l]) => [
        locale,
        { label: l.label, description: l.description, edited: l.edited },
      ]),
    ),
  };
}

export function presentFacet(f: TaxonomyFacet): z.infer<typeof facetSchema> {
  return { code: f.code, name: f.name, nameLocale: f.nameLocale };
}

import { z } from 'zod';
import { FACETS, MAX_TERM_CODE_LENGTH, canonicalLocale } from '../../../core/taxonomy/default-taxonomy.ts';
import { access, actorOf } from '../../platform/access/guard.ts';
import { API_PREFIX, type RouteModule } from '../../platform/http.ts';
import {
  presentFacet,
  presentTerm,
  presentTermDetail,
  taxonomySchema,
  termDetailSchema,
} from './taxonomy.presenter.ts';
import {
  MAX_DESCRIPTION_LENGTH,
  MAX_LABEL_LENGTH,
  createTerm,
  getTerm,
  listFacets,
  listTerms,
  restoreTerm,
  retireTerm,
  updateTermLabels,
} from './taxonomy.service.ts';
import { booleanQuery } from '../../platform/query.ts';

const BASE = `${API_PREFIX}/taxonomy`;

const locale = z
  .string()
  .refine((v) => canonicalLocale(v) !== null, 'must be a BCP 47 language tag, e.g. fr or fr-CA');

const facetCodes = FACETS.map((f) => f.code) as [string, ...string[]];

const codeParams = z.object({ code: z.string().min(1).max(MAX_TERM_CODE_LENGTH) });

const labelText = z.object({
  label: z.string().trim().min(1).max(MAX_LABEL_LENGTH),
  description: z.string().max(MAX_DESCRIPTION_LENGTH).nullable().optional(),
});

const newTermBody = z
  .object({
    code: z
      .string()
      .min(1)
      .max(MAX_TERM_CODE_LENGTH)
      .describe('New lowercase dotted code, e.g. bias.anti_refugee'),
    facet: z.enum(facetCodes),
    parentCode: z.string().min(1).max(MAX_TERM_CODE_LENGTH).nullable().optional(),
    locale: locale.optional().describe('Locale of label and description (default en)'),
  })
  .extend(labelText.shape);

// Strict: a body that tries to send a new code is refused, not silently stripped.
const labelsBody = z.strictObject({
  labels: z
    .record(
      locale,
      labelText.extend({ description: labelText.shape.description.describe('null clears it; omit to keep') }),
    )
    .refine((l) => Object.keys(l).length > 0, 'give at least one locale'),
});

export const taxonomyRoutes: RouteModule = (app, { db, clock }) => {
  app.get(
    BASE,
    {
      config: { access: access.to('taxonomy', 'read') },
      schema: {
        tags: ['taxonomy'],
        summary: 'Facets and terms, labelled in a locale with fallback (e.g. fr-CA → fr → en)',
        querystring: z.object({
          locale: locale.default('en'),
          includeRetired: booleanQuery.default(false),
          facet: z.enum(facetCodes).optional(),
        }),
        response: { 200: taxonomySchema },
      },
    },
    async (request) => {
      const q = request.query;
      const wanted = canonicalLocale(q.locale)!;
      const terms = await listTerms(db, wanted, { includeRetired: q.includeRetired, facet: q.facet });
      return { locale: wanted, facets: listFacets(wanted).map(presentFacet), terms: terms.map(presentTerm) };
    },
  );

  app.get(
    `${BASE}/terms/:code`,
    {
      config: { access: access.to('taxonomy', 'read') },
      schema: {
        tags: ['taxonomy'],
        summary: 'One term with every stored translation',
        params: codeParams,
        querystring: z.object({ locale: locale.default('en') }),
        response: { 200: termDetailSchema },
      },
    },
    async (request) => presentTermDetail(await getTerm(db, request.params.code, request.query.locale)),
  );

  app.post(
    `${BASE}/terms`,
    {
      config: { access: access.to('taxonomy', 'create') },
      schema: {
        tags: ['taxonomy'],
        summary: 'Add a city term (the code must be new and is never reused)',
        body: newTermBody,
        response: { 201: termDetailSchema },
      },
    },
    async (request, reply) => {
      const term = await createTerm(db, request.body, clock, actorOf(request));
      return reply.status(201).send(presentTermDetail(term));
    },
  );

  app.patch(
    `${BASE}/terms/:code`,
    {
      config: { access: access.to('taxonomy', 'update') },
      schema: {
        tags: ['taxonomy'],
        summary: 'Rename or translate a term: labels and descriptions per locale (the code never changes)',
        params: codeParams,
        body: labelsBody,
        response: { 200: termDetailSchema },
      },
    },
    async (request) =>
      presentTermDetail(
        await updateTermLabels(db, request.params.code, request.body.labels, clock, actorOf(request)),
      ),
  );

  app.post(
    `${BASE}/terms/:code/retire`,
    {
      config: { access: access.to('taxonomy', 'archive') },
      schema: {
        tags: ['taxonomy'],
        summary: 'Retire a term: it stays on existing signals but new mappings and imports reject it',
        params: codeParams,
        response: { 200: termDetailSchema },
      },
    },
    async (request) => presentTermDetail(await retireTerm(db, request.params.code, clock, actorOf(request))),
  );

  app.post(
    `${BASE}/terms/:code/restore`,
    {
      config: { access: access.to('taxonomy', 'archive') },
      schema: {
        tags: ['taxonomy'],
        summary: 'Bring a retired term back into use',
        params: codeParams,
        response: { 200: termDetailSchema },
      },
    },
    async (request) => presentTermDetail(await restoreTerm(db, request.params.code, clock, actorOf(request))),
  );
};

import { z } from 'zod';
import { access } from '../../platform/access/guard.ts';
import { API_PREFIX, type RouteModule } from '../../platform/http.ts';
import {
  areaPictureSchema,
  presentAreaPicture,
  presentSignalExtent,
  signalExtentSchema,
} from './picture.presenter.ts';
import { getAreaPicture, getSignalExtent } from './picture.service.ts';
import { repeatedQuery } from '../../platform/query.ts';

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
  .refine((v) => {
    const d = new Date(`${v}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(v);
  }, 'is not a calendar date');

const areaPictureQuery = z
  .object({
    from: isoDate.optional(),
    to: isoDate.optional(),
    label: repeatedQuery.describe('Category code; matches the term and its descendants. Repeat for several.'),
    source: repeatedQuery.describe('Source code. Repeat for several.'),
    denominator: z
      .string()
      .min(1)
      .max(100)
      .optional()
      .describe('Area attribute used for rates (default population_2021)'),
  })
  .refine((q) => q.from === undefined || q.to === undefined || q.from <= q.to, {
    message: 'from must not be after to',
    path: ['from'],
  });

const BASE = `${API_PREFIX}/picture`;

export const pictureRoutes: RouteModule = (app, { db }) => {
  app.get(
    `${BASE}/areas`,
    {
      config: { access: access.to('picture', 'read') },
      schema: {
        tags: ['picture'],
        summary: 'Signals per area for a period, category and source, with rates per 10,000 residents',
        querystring: areaPictureQuery,
        response: { 200: areaPictureSchema },
      },
    },
    async (request) => {
      const q = request.query;
      const picture = await getAreaPicture(db, {
        from: q.from,
        to: q.to,
        labels: q.label,
        sources: q.source,
        denominator: q.denominator,
      });
      return presentAreaPicture(picture);
    },
  );

  app.get(
    `${BASE}/extent`,
    {
      config: { access: access.to('picture', 'read') },
      schema: {
        tags: ['picture'],
        summary: 'First and last occurrence dates of the signals, and when the data was last updated',
        response: { 200: signalExtentSchema },
      },
    },
    async () => presentSignalExtent(await getSignalExtent(db)),
  );
};

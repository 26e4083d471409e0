import { z } from 'zod';

/** Shared query-string schemas: every route reads flags, dates and repeated parameters the same way. */

export const booleanQuery = z.enum(['true', 'false']).transform((v) => v === 'true');

export const isoDay = z.iso.date().describe('YYYY-MM-DD');

/** A parameter given once arrives as a string, repeated as an array; here always an array, empty when absent. */
export const repeatedQuery = z
  .union([z.string().min(1).max(200), z.array(z.string().min(1).max(200)).max(200)])
  .optional()
  .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]));

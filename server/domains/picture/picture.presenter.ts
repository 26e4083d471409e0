import { z } from 'zod';
import type { AreaPicture, SignalExtent } from './picture.service.ts';

export const areaPictureSchema = z.object({
  from: z.string().nullable(),
  to: z.string().nullable(),
  dataAsOf: z.string().nullable().describe('Time of the latest import batch still in force'),
  denominator: z.string().describe('Area attribute the rates are computed from'),
  cityWide: z
    .object({ count: z.number().int() })
    .describe('Signals with no neighbourhood (outside every area or unknown)'),
  areas: z.array(
    z.object({
      code: z.string(),
      name: z.string(),
      count: z.number().int(),
      population: z.number().nullable(),
      ratePer10k: z
        .number()
        .nullable()
        .describe('Signals per 10,000 residents; null when the area has no denominator'),
    }),
  ),
});

export const signalExtentSchema = z.object({
  from: z.string().nullable().describe('Earliest occurrence date (YYYY-MM-DD), null without signals'),
  to: z.string().nullable().describe('Latest occurrence date (YYYY-MM-DD), null without signals'),
  dataAsOf: z.string().nullable(),
});

export function presentAreaPicture(p: AreaPicture): z.infer<typeof areaPictureSchema> {
  return {
    from: p.from,
    to: p.to,
    dataAsOf: p.dataAsOf,
    denominator: p.denominator,
    cityWide: { count: p.cityWide.count },
    areas: p.areas.map((a) => ({
      code: a.code,
      name: a.name,
      count: a.count,
      population: a.population,
      ratePer10k: a.ratePer10k,
    })),
  };
}

export function presentSignalExtent(e: SignalExtent): z.infer<typeof signalExtentSchema> {
  return { from: e.from, to: e.to, dataAsOf: e.dataAsOf };
}

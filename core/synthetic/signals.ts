import type { MultiPolygon, Polygon, Position } from 'geojson';
import type { SharedEdge } from './city.ts';
import { flatRingContains, geometryBBox, polygonsOf, ringSignedArea, type BBox } from './geometry.ts';
import { createRandom, createWeightedPicker, hashSeed, type Random } from './random.ts';

export type SignalCityInput = {
  bbox: BBox;
  areas: ReadonlyArray<{ code: string; geometry: Polygon | MultiPolygon; population?: number }>;
  /** When given (synthetic cities), boundary points are snapped onto these; otherwise onto any ring of any area. */
  sharedEdges?: readonly SharedEdge[];
};

export type GenerateSignalsOptions = {
  seed: number;
  city: SignalCityInput;
  count: number;
  /** First day, YYYY-MM-DD. */
  from: string;
  /** Last day (inclusive), YYYY-MM-DD. */
  to: string;
  /** Number of injected spikes; defaults to 5 (fewer when the range or count is too small). */
  spikes?: number;
  /** Share of rows placed exactly on a boundary vertex (defaults 0.02). */
  vertexRate?: number;
  /** Share of rows placed on a boundary segment, interpolated between two vertices (defaults 0.02). */
  edgeRate?: number;
  /** Share of rows outside every area (defaults 0.01). */
  outsideRate?: number;
  /** Share of rows without coordinates, i.e. city-wide (defaults 0). */
  unlocatedRate?: number;
  /** Prefix of external ids (defaults 'S'). */
  idPrefix?: string;
};

export type Placement = 'interior' | 'vertex' | 'edge' | 'outside' | 'unlocated';

export type SyntheticSignal = {
  externalId: string;
  /** Local wall-clock time to the minute, ISO 8601 without offset (YYYY-MM-DDTHH:MM). */
  occurredAt: string;
  occurredOn: string;
  lon: number | null;
  lat: number | null;
  /** Default taxonomy codes, several per signal. */
  labels: string[];
  severity: number;
  placement: Placement;
  /** The area the point was drawn inside; null for boundary, outside and unlocated rows. */
  areaCode: string | null;
  /** Index into the stream's spikes when the row was injected by a spike. */
  spike: number | null;
};

/** Ground truth of one injected spike: `extra` rows were added to the expected `baseline` for that area, label and week. */
export type SpikeTruth = {
  areaCode: string;
  label: string;
  /** Monday that starts the ISO week, YYYY-MM-DD. */
  week: string;
  /** (baseline + extra) / baseline. */
  factor: number;
  /** Expected regular count of interior rows for that area, label and week. */
  baseline: number;
  extra: number;
};

/** Re-iterable: each iteration replays the same rows from the seed, holding only O(areas + days) state. */
export type SyntheticSignalStream = Iterable<SyntheticSignal> & { spikes: SpikeTruth[]; count: number };

/** Shares of the primary bias motive, loosely after the shape of police-reported hate-crime statistics. */
export const BIAS_WEIGHTS: ReadonlyArray<readonly [string, number]> = [
  ['bias.racism.anti_black', 0.17],
  ['bias.antisemitism', 0.16],
  ['bias.anti_lgbti', 0.12],
  ['bias.anti_muslim', 0.07],
  ['bias.racism.anti_east_southeast_asian', 0.07],
  ['bias.racism.anti_south_asian', 0.05],
  ['bias.xenophobia', 0.05],
  ['bias.racism.anti_arab_west_asian', 0.04],
  ['bias.gender', 0.04],
  ['bias.racism.anti_indigenous', 0.03],
  ['bias.racism.anti_latin_american', 0.02],
  ['bias.racism.anti_white', 0.02],
  ['bias.racism.other', 0.02],
  ['bias.anti_christian', 0.02],
  ['bias.other_religion', 0.01],
  ['bias.language', 0.01],
  ['bias.anti_roma', 0.01],
  ['bias.disability', 0.01],
  ['bias.age', 0.01],
  ['bias.other', 0.02],
  ['bias.unclear', 0.05],
];

const INCIDENT_WEIGHTS: ReadonlyArray<readonly [string, number]> = [
  ['incident.crime.property', 0.3],
  ['incident.crime.assault', 0.17],
  ['incident.crime.threat', 0.14],
  ['incident.crime.incitement', 0.04],
  ['incident.crime.other', 0.05],
  ['incident.non_crime', 0.12],
  ['incident.hate_speech', 0.13],
  ['incident.discrimination', 0.05],
];

const EXTREMISM = [
  'extremism.far_right',
  'extremism.far_left',
  'extremism.religious',
  'extremism.anti_government',
  'extremism.misogynist',
  'extremism.conspiracy',
  'extremism.mixed_unclear',
];
const DISINFORMATION = ['disinfo.rumour', 'disinfo.conspiracy_narrative', 'disinfo.coordinated_campaign'];
const TENSION = [
  'tension.political_polarisation',
  'tension.intercommunity',
  'tension.anti_government',
  'tension.anti_migrant',
  'tension.antisemitic',
  'tension.anti_women',
  'tension.hate_speech',
];

const SECOND_BIAS_RATE = 0.12;
const WEEKDAY_FACTOR = [1.15, 0.95, 0.9, 0.92, 0.97, 1.1, 1.25]; // Sunday first, as Date#getUTCDay
const HOUR_WEIGHTS = [3, 2, 2, 1, 1, 1, 2, 3, 4, 5, 5, 6, 6, 6, 6, 6, 7, 7, 8, 8, 8, 7, 6, 4];
const DAY_MS = 86_400_000;

type AreaSampler = {
  parts: Array<{ outer: Float64Array; holes: Float64Array[]; bbox: BBox }>;
  pickPart: (r: Random) => number;
};

function parseDay(day: string, what: string): number {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new Error(`${what} must be YYYY-MM-DD`);
  const ms = Date.parse(`${day}T00:00:00Z`);
  if (Number.isNaN(ms)) throw new Error(`${what} is not a date`);
  return ms;
}

const isoDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** Monday that starts the ISO week containing the given day. */
export function weekStart(day: string): string {
  const ms = Date.parse(`${day.slice(0, 10)}T00:00:00Z`);
  const dow = new Date(ms).getUTCDay();
  return isoDay(ms - ((dow + 6) % 7) * DAY_MS);
}

function flatten(ring: Position[]): Float64Array {
  const flat = new Float64Array(ring.length * 2);
  ring.forEach((p, i) => {
    flat[i * 2] = p[0] as number;
    flat[i * 2 + 1] = p[1] as number;
  });
  return flat;
}

function areaSampler(geometry: Polygon | MultiPolygon): AreaSampler {
  const parts = polygonsOf(geometry).map((polygon) => ({
    outer: flatten(polygon[0] as Position[]),
    holes: polygon.slice(1).map(flatten),
    bbox: geometryBBox({ type: 'Polygon', coordinates: [polygon[0] as Position[]] }),
    area: Math.abs(ringSignedArea(polygon[0] as Position[])),
  }));
  return { parts, pickPart: createWeightedPicker(parts.map((p) => p.area)) };
}

/** Probability that `label` is among a row's bias labels (as primary or as the optional second motive). */
function biasPresence(label: string): number {
  const total = BIAS_WEIGHTS.reduce((s, [, w]) => s + w, 0);
  let p = 0;
  for (const [code, w] of BIAS_WEIGHTS) {
    const share = w / total;
    if (code === label) p += share;
    else
      p +=
        share *
        SECOND_BIAS_RATE *
        ((BIAS_WEIGHTS.find(([c]) => c === label)?.[1] ?? 0) / total / (1 - share));
  }
  return p;
}

/**
 * A stream of synthetic signals with known structure: intensity varying smoothly across the city, weekly and
 * yearly seasonality with a slow upward trend, injected spikes (returned as ground truth), several taxonomy labels per
 * row, and points placed exactly on shared vertices, on boundary segments and outside every area, which is where
 * area assignment goes wrong.
 */
export function generateSignals(options: GenerateSignalsOptions): SyntheticSignalStream {
  const { seed, city, count } = options;
  if (!Number.isInteger(count) || count < 0) throw new Error('count must be a non-negative integer');
  if (city.areas.length === 0) throw new Error('the city has no areas');
  const fromMs = parseDay(options.from, 'from');
  const toMs = parseDay(options.to, 'to');
  if (toMs < fromMs) throw new Error('to must not be before from');
  const vertexRate = options.vertexRate ?? 0.02;
  const edgeRate = options.edgeRate ?? 0.02;
  const outsideRate = options.outsideRate ?? 0.01;
  const unlocatedRate = options.unlocatedRate ?? 0;
  const interiorRate = 1 - vertexRate - edgeRate - outsideRate - unlocatedRate;
  if (interiorRate < 0) throw new Error('placement rates add up to more than 1');
  const idPrefix = options.idPrefix ?? 'S';
  const idWidth = Math.max(7, String(count).length);

  const setup = createRandom(hashSeed('signals', seed));
  // Smooth risk field: a few hot spots over the city, so intensity per resident varies in space, not just by noise.
  const [minLon, minLat, maxLon, maxLat] = city.bbox;
  const hotspots = Array.from({ length: 4 }, () => ({
    lon: setup.range(minLon, maxLon),
    lat: setup.range(minLat, maxLat),
    radius: setup.range(0.08, 0.25) * Math.max(maxLon - minLon, maxLat - minLat),
    strength: setup.range(0.5, 1.5),
  }));
  const areaWeights = city.areas.map((area) => {
    const [a, b, c, d] = geometryBBox(area.geometry);
    const lon = (a + c) / 2;
    const lat = (b + d) / 2;
    let field = 0;
    for (const h of hotspots)
      field += h.strength * Math.exp(-((lon - h.lon) ** 2 + (lat - h.lat) ** 2) / (2 * h.radius ** 2));
    const base = area.population ?? 1;
    return Math.max(1e-9, base * Math.exp(field + 0.3 * setup.normal()));
  });
  const areaTotal = areaWeights.reduce((s, w) => s + w, 0);

  const dayCount = Math.round((toMs - fromMs) / DAY_MS) + 1;
  const dayWeights = new Float64Array(dayCount);
  for (let d = 0; d < dayCount; d++) {
    const ms = fromMs + d * DAY_MS;
    const date = new Date(ms);
    const dayOfYear = (ms - Date.UTC(date.getUTCFullYear(), 0, 1)) / DAY_MS;
    const yearly = 1 + 0.3 * Math.cos((2 * Math.PI * (dayOfYear - 196)) / 365.25);
    const trend = 1 + (0.25 * d) / Math.max(1, dayCount - 1);
    dayWeights[d] = (WEEKDAY_FACTOR[date.getUTCDay()] as number) * yearly * trend;
  }
  const dayTotal = dayWeights.reduce((s, w) => s + w, 0);

  const spikes = planSpikes(
    setup,
    options,
    areaWeights,
    areaTotal,
    fromMs,
    dayCount,
    dayWeights,
    dayTotal,
    interiorRate,
  );
  const extraTotal = spikes.reduce((s, spike) => s + spike.extra, 0);
  const rowSeed = hashSeed('rows', seed);

  const stream: SyntheticSignalStream = {
    spikes,
    count,
    *[Symbol.iterator]() {
      const random = createRandom(rowSeed);
      const pickArea = createWeightedPicker(areaWeights);
      const pickDay = createWeightedPicker(dayWeights);
      const pickHour = createWeightedPicker(HOUR_WEIGHTS);
      const pickBias = createWeightedPicker(BIAS_WEIGHTS.map(([, w]) => w));
      const pickIncident = createWeightedPicker(INCIDENT_WEIGHTS.map(([, w]) => w));
      const samplers = new Map<number, AreaSampler>();
      const spikeLeft = spikes.map((s) => s.extra);
      const areaIndex = new Map(city.areas.map((a, i) => [a.code, i]));
      const boundary = boundarySource(city);
      let spikeRemaining = extraTotal;

      for (let i = 0; i < count; i++) {
        const remaining = count - i;
        let spike: number | null = null;
        if (spikeRemaining > 0 && random.next() * remaining < spikeRemaining) {
          let target = random.int(spikeRemaining);
          spike = 0;
          while (target >= (spikeLeft[spike] as number)) target -= spikeLeft[spike++] as number;
          spikeLeft[spike] = (spikeLeft[spike] as number) - 1;
          spikeRemaining--;
        }

        let dayMs: number;
        let placement: Placement;
        let areaCode: string | null = null;
        let lon: number | null = null;
        let lat: number | null = null;
        const labels: string[] = [];
        if (spike !== null) {
          const truth = spikes[spike] as SpikeTruth;
          dayMs = Date.parse(`${truth.week}T00:00:00Z`) + random.int(7) * DAY_MS;
          placement = 'interior';
          areaCode = truth.areaCode;
          labels.push(truth.label);
        } else {
          dayMs = fromMs + pickDay(random) * DAY_MS;
          const u = random.next();
          placement =
            u < interiorRate
              ? 'interior'
              : u < interiorRate + vertexRate
                ? 'vertex'
                : u < interiorRate + vertexRate + edgeRate
                  ? 'edge'
                  : u < interiorRate + vertexRate + edgeRate + outsideRate
                    ? 'outside'
                    : 'unlocated';
          if (placement === 'interior') areaCode = (city.areas[pickArea(random)] as { code: string }).code;
          labels.push(BIAS_WEIGHTS[pickBias(random)]?.[0] as string);
        }

        if (placement === 'interior') {
          const index = areaIndex.get(areaCode as string) as number;
          let sampler = samplers.get(index);
          if (!sampler) {
            sampler = areaSampler((city.areas[index] as { geometry: Polygon | MultiPolygon }).geometry);
            samplers.set(index, sampler);
          }
          [lon, lat] = samplePoint(random, sampler);
        } else if (placement === 'vertex') {
          [lon, lat] = boundary.vertex(random);
        } else if (placement === 'edge') {
          [lon, lat] = boundary.onSegment(random);
        } else if (placement === 'outside') {
          [lon, lat] = outsidePoint(random, city.bbox);
        }

        if (random.chance(SECOND_BIAS_RATE)) {
          let second = labels[0] as string;
          while (second === labels[0]) second = BIAS_WEIGHTS[pickBias(random)]?.[0] as string;
          labels.push(second);
        }
        const incident = INCIDENT_WEIGHTS[pickIncident(random)]?.[0] as string;
        labels.push(incident);
        labels.push(random.chance(0.18) ? 'channel.online' : 'channel.offline');
        if (random.chance(0.06)) labels.push(EXTREMISM[random.int(EXTREMISM.length)] as string);
        if (random.chance(0.03)) labels.push(DISINFORMATION[random.int(DISINFORMATION.length)] as string);
        if (random.chance(0.04)) labels.push(TENSION[random.int(TENSION.length)] as string);

        const severityBase =
          incident === 'incident.crime.assault' ? 2 : incident.startsWith('incident.crime') ? 1 : 0;
        const severity = Math.min(
          5,
          1 + severityBase + (random.chance(0.3) ? 1 : 0) + (random.chance(0.08) ? 1 : 0),
        );
        const hour = pickHour(random);
        const minute = random.int(60);
        const occurredOn = isoDay(dayMs);
        yield {
          externalId: `${idPrefix}${String(i + 1).padStart(idWidth, '0')}`,
          occurredAt: `${occurredOn}T${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`,
          occurredOn,
          lon,
          lat,
          labels,
          severity,
          placement,
          areaCode,
          spike,
        };
      }
    },
  };
  return stream;
}

function planSpikes(
  random: Random,
  options: GenerateSignalsOptions,
  areaWeights: number[],
  areaTotal: number,
  fromMs: number,
  dayCount: number,
  dayWeights: Float64Array,
  dayTotal: number,
  interiorRate: number,
): SpikeTruth[] {
  const { city, count } = options;
  // Whole ISO weeks inside the range, so a spike week is never cut short.
  const firstMonday = Date.parse(`${weekStart(isoDay(fromMs + 6 * DAY_MS))}T00:00:00Z`);
  const weeks: number[] = [];
  for (let ms = firstMonday; ms + 6 * DAY_MS <= fromMs + (dayCount - 1) * DAY_MS; ms += 7 * DAY_MS)
    weeks.push(ms);
  const wanted = Math.min(options.spikes ?? 5, weeks.length, Math.floor(count / 200));
  const spikes: SpikeTruth[] = [];
  if (wanted <= 0) return spikes;
  // Frequent labels in busy areas, so that a spike stands out against a non-trivial baseline.
  const labels = BIAS_WEIGHTS.filter(([, w]) => w >= 0.05).map(([code]) => code);
  const ranked = areaWeights.map((w, i) => [w, i] as const).sort((a, b) => b[0] - a[0]);
  const candidates = ranked.slice(0, Math.max(1, Math.ceil(ranked.length / 4)));
  const used = new Set<string>();
  let budget = Math.floor(count * 0.05);
  for (let attempt = 0; spikes.length < wanted && attempt < wanted * 20; attempt++) {
    const [weight, index] = candidates[random.int(candidates.length)] as readonly [number, number];
    const label = labels[random.int(labels.length)] as string;
    const weekMs = weeks[random.int(weeks.length)] as number;
    const areaCode = (city.areas[index] as { code: string }).code;
    const key = `${areaCode}|${label}|${weekMs}`;
    if (used.has(key)) continue;
    let weekWeight = 0;
    const offset = Math.round((weekMs - fromMs) / DAY_MS);
    for (let d = offset; d < offset + 7; d++) weekWeight += dayWeights[d] ?? 0;
    const baseline =
      count * interiorRate * (weight / areaTotal) * biasPresence(label) * (weekWeight / dayTotal);
    const planned = random.range(3, 6);
    const extra = Math.max(10, Math.round((planned - 1) * baseline));
    if (extra > budget) continue;
    budget -= extra;
    used.add(key);
    spikes.push({
      areaCode,
      label,
      week: isoDay(weekMs),
      factor: Math.round(((baseline + extra) / Math.max(baseline, 1e-9)) * 100) / 100,
      baseline: Math.round(baseline * 100) / 100,
      extra,
    });
  }
  return spikes;
}

function samplePoint(random: Random, sampler: AreaSampler): [number, number] {
  const part = sampler.parts[sampler.pickPart(random)] as AreaSampler['parts'][number];
  const [minLon, minLat, maxLon, maxLat] = part.bbox;
  for (;;) {
    const lon = random.range(minLon, maxLon);
    const lat = random.range(minLat, maxLat);
    if (flatRingContains(part.outer, lon, lat) && !part.holes.some((h) => flatRingContains(h, lon, lat)))
      return [lon, lat];
  }
}

function outsidePoint(random: Random, bbox: BBox): [number, number] {
  const [minLon, minLat, maxLon, maxLat] = bbox;
  const mx = (maxLon - minLon) * 0.15;
  const my = (maxLat - minLat) * 0.15;
  for (;;) {
    const lon = random.range(minLon - mx, maxLon + mx);
    const lat = random.range(minLat - my, maxLat + my);
    if (lon < minLon || lon > maxLon || lat < minLat || lat > maxLat) return [lon, lat];
  }
}

/** Boundary lines to snap onto: the shared edges of a synthetic city, or every ring of a real one. */
function boundarySource(city: SignalCityInput): {
  vertex: (r: Random) => [number, number];
  onSegment: (r: Random) => [number, number];
} {
  const lines: Position[][] = city.sharedEdges
    ? city.sharedEdges.map((e) => e.coordinates)
    : city.areas.flatMap((a) => polygonsOf(a.geometry).flat());
  const pickLine = createWeightedPicker(lines.map((l) => Math.max(1, l.length - 1)));
  return {
    vertex: (random) => {
      const line = lines[pickLine(random)] as Position[];
      const p = line[random.int(line.length)] as Position;
      return [p[0] as number, p[1] as number];
    },
    onSegment: (random) => {
      const line = lines[pickLine(random)] as Position[];
      const i = random.int(line.length - 1);
      const [x0, y0] = line[i] as [number, number];
      const [x1, y1] = line[i + 1] as [number, number];
      const t = random.range(0.1, 0.9);
      return [x0 + t * (x1 - x0), y0 + t * (y1 - y0)];
    },
  };
}

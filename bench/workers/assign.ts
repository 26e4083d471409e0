/**
 * Child process for the "assignment alone" measurement, so its peak RSS is Cohesion's alone:
 * node bench/workers/assign.ts <dataset> <seed> <points.bin> <result.bin>
 * Reads interleaved Float64 lon/lat, writes one Int32 per point (position in code order, -1 = none), prints JSON.
 */
import fs from 'node:fs';
import { createAreaIndex } from '../../core/geo/area-index.ts';
import { loadDataset } from '../lib/datasets.ts';
import { peakRssMiB } from '../lib/memory.ts';

const [datasetName, seedText, pointsPath, resultPath] = process.argv.slice(2);
if (!datasetName || !seedText || !pointsPath || !resultPath) {
  console.error('usage: assign.ts <dataset> <seed> <points.bin> <result.bin>');
  process.exit(2);
}
const dataset = loadDataset(datasetName, Number(seedText));
const buffer = fs.readFileSync(pointsPath);
const points = new Float64Array(buffer.buffer, buffer.byteOffset, buffer.byteLength / 8);
const count = points.length / 2;
const rssBefore = peakRssMiB();

const t0 = performance.now();
const index = createAreaIndex(dataset.areas.map((a) => ({ id: a.code, key: a.code, geometry: a.geometry })));
const t1 = performance.now();
const result = new Int32Array(count);
for (let i = 0; i < count; i++)
  result[i] = index.locatePosition(points[i * 2] as number, points[i * 2 + 1] as number);
const t2 = performance.now();

fs.writeFileSync(resultPath, new Uint8Array(result.buffer));
process.stdout.write(
  JSON.stringify({
    buildMs: t1 - t0,
    locateMs: t2 - t1,
    ids: index.ids,
    peakRssMiB: peakRssMiB(),
    rssBeforeIndexMiB: rssBefore,
  }),
);

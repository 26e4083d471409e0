import fs from 'node:fs';
import { generateSignals, type Placement, type SyntheticSignal } from '../../core/synthetic/signals.ts';
import type { BenchDataset } from './datasets.ts';

/** Writes lines through a stream, waiting for drain so memory stays flat however many rows are written. */
export class LineWriter {
  private readonly stream: fs.WriteStream;
  private buffer: string[] = [];
  private size = 0;
  constructor(path: string) {
    this.stream = fs.createWriteStream(path);
  }
  async write(line: string): Promise<void> {
    this.buffer.push(line);
    this.size += line.length;
    if (this.size >= 1 << 20) await this.flush();
  }
  private async flush(): Promise<void> {
    const chunk = this.buffer.join('');
    this.buffer = [];
    this.size = 0;
    if (!this.stream.write(chunk)) await new Promise<void>((resolve) => this.stream.once('drain', resolve));
  }
  async close(): Promise<void> {
    await this.flush();
    await new Promise<void>((resolve, reject) =>
      this.stream.end((e?: Error | null) => (e ? reject(e) : resolve())),
    );
  }
}

export type BenchInputs = {
  count: number;
  placements: Record<Placement, number>;
  pointsBin: string;
  pointsCsv: string;
};

/**
 * One pass over the seeded signal stream writes the points (binary for Cohesion, CSV for PostGIS COPY) and hands
 * each row to `onRow` (the signals CSV writer), so both benchmarks see the very same coordinates.
 */
export async function writeBenchInputs(
  dataset: BenchDataset,
  options: { count: number; seed: number; dir: string; from: string; to: string },
  onRow?: (row: SyntheticSignal) => Promise<void>,
): Promise<BenchInputs> {
  const stream = generateSignals({
    seed: options.seed,
    city: dataset,
    count: options.count,
    from: options.from,
    to: options.to,
    vertexRate: 0.03,
    edgeRate: 0.03,
    outsideRate: 0.02,
  });
  const pointsBin = `${options.dir}/points.bin`;
  const pointsCsv = `${options.dir}/points.csv`;
  const csv = new LineWriter(pointsCsv);
  const bin = fs.openSync(pointsBin, 'w');
  const placements: Record<Placement, number> = { interior: 0, vertex: 0, edge: 0, outside: 0, unlocated: 0 };
  const chunk = new Float64Array(2 * 65536);
  let inChunk = 0;
  let id = 0;
  await csv.write('id,lon,lat\n');
  for (const row of stream) {
    id++;
    placements[row.placement]++;
    chunk[inChunk * 2] = row.lon ?? Number.NaN;
    chunk[inChunk * 2 + 1] = row.lat ?? Number.NaN;
    if (++inChunk === 65536) {
      fs.writeSync(bin, chunk);
      inChunk = 0;
    }
    await csv.write(`${id},${row.lon ?? ''},${row.lat ?? ''}\n`);
    if (onRow) await onRow(row);
  }
  fs.writeSync(bin, chunk.subarray(0, inChunk * 2));
  fs.closeSync(bin);
  await csv.close();
  return { count: id, placements, pointsBin, pointsCsv };
}

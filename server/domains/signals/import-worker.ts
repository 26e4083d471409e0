import { parentPort, workerData } from 'node:worker_threads';
import { AppError } from '../../platform/errors.ts';
import {
  MAX_IN_FLIGHT,
  WORKER_KIND,
  mapperContextFrom,
  type WorkerInput,
  type WorkerMessage,
} from './import-context.ts';
import { packChunk, produceSignals } from './import-pipeline.ts';
import { compileRowMapper } from './mapping/row-mapper.ts';
import { openImportFile } from './readers/reader.ts';

/**
 * Worker-thread entry for large imports: reads and maps the file here while the importing thread writes the
 * previous chunks to the database, so parsing and storing overlap on two cores. Chunks are handed over at most
 * MAX_IN_FLIGHT ahead of the writer, which bounds memory.
 */

async function run(input: WorkerInput): Promise<void> {
  const port = parentPort!;
  let credits = MAX_IN_FLIGHT;
  let wake: (() => void) | null = null;
  port.on('message', (m: { type: string }) => {
    if (m.type !== 'ack') return;
    credits++;
    const w = wake;
    wake = null;
    w?.();
  });
  const post = (message: WorkerMessage, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);
  try {
    const mapRow = compileRowMapper(input.mapping, mapperContextFrom(input.context));
    const file = await openImportFile(input.file, { fetchTimeoutMs: input.fetchTimeoutMs });
    const result = await produceSignals(file, { mapping: input.mapping, mapRow }, async (chunk) => {
      while (credits === 0) await new Promise<void>((resolve) => (wake = resolve));
      credits--;
      const packed = packChunk(chunk);
      post({ type: 'chunk', chunk: packed }, [packed.numbers.buffer as ArrayBuffer]);
    });
    post({ type: 'done', result });
  } catch (e) {
    const app = e instanceof AppError ? e : null;
    post({
      type: 'error',
      error: {
        code: app?.code ?? null,
        message: e instanceof Error ? e.message : String(e),
        details: app?.details ?? [],
        ...(e instanceof Error && e.stack !== undefined && { stack: e.stack }),
      },
    });
  }
}

const input = workerData as (WorkerInput & { kind?: string }) | null;
if (parentPort && input?.kind === WORKER_KIND) void run(input);

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { AppError } from '../../../platform/errors.ts';

/** One record of a provider's file: where it is (for error messages) and its values by column name. */
export type SourceRow = {
  /** CSV: the line the record starts on; spreadsheets: the row number; GeoJSON and JSON: the record's position. */
  line: number;
  record: Record<string, unknown>;
  /** GeoJSON only: the feature's Point, or null when it has no geometry. */
  point?: { lon: number; lat: number } | null;
  /** A problem with the record as a whole (e.g. a ragged CSV row), reported with the row's other problems. */
  problem?: string;
};

/** A located problem, as listed in dry runs and in the errors CSV. */
export type ImportProblem = { line: number; column: string | null; value: string | null; reason: string };

/**
 * Rows come in batches (one per parsed chunk of the file) rather than one promise per row: at a million rows the
 * per-row await alone would cost about a second.
 */
export type RowReader = {
  /** Column names from the header row, for formats that have one. */
  columns: string[] | null;
  /** The text encoding used, for formats read as text. */
  encoding: string | null;
  batches: AsyncIterable<SourceRow[]>;
  /** How many records the file holds: exact for whole-file formats, extrapolated while a CSV streams. */
  estimatedRecords(fileBytes: number | null): number | null;
};

export type ImportFile =
  { name: string; path: string } | { name: string; bytes: Uint8Array } | { url: string };

export type OpenedFile = {
  name: string;
  /** Bytes, when known before reading. */
  size: number | null;
  stream: Readable;
  /** sha256 (hex) of every byte read so far: complete once the stream has ended. */
  digest(): string;
  /** Bytes read from the source so far. */
  bytesRead(): number;
};

export const BATCH_ROWS = 2_000;

/** Whole-document formats (spreadsheets, JSON) are parsed in memory, so they have a ceiling of their own. */
export const MAX_WHOLE_FILE_BYTES = 100 * 1024 * 1024;

/** A located problem that stops reading the file (e.g. an unbalanced quote, an empty file). */
export const fileProblem = (problem: ImportProblem): AppError =>
  new AppError('IMPORT_INVALID', 'The file could not be read', [problem]);

export const isFileProblem = (e: unknown): e is AppError =>
  e instanceof AppError && e.code === 'IMPORT_INVALID';

function hashing(input: Readable): { stream: Readable; digest(): string; bytesRead(): number } {
  const hash = createHash('sha256');
  let digest: string | null = null;
  let bytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  input.on('error', (e) => tap.destroy(e));
  input.pipe(tap);
  return {
    stream: tap,
    digest: () => {
      digest ??= hash.digest('hex');
      return digest;
    },
    bytesRead: () => bytes,
  };
}

/** Opens a local file, uploaded bytes or a URL as a byte stream that hashes what passes through it. */
export async function openImportFile(
  file: ImportFile,
  options: { fetchTimeoutMs: number },
): Promise<OpenedFile> {
  if ('bytes' in file) {
    const h = hashing(
      Readable.from([Buffer.from(file.bytes.buffer, file.bytes.byteOffset, file.bytes.byteLength)]),
    );
    return { name: file.name, size: file.bytes.byteLength, ...h };
  }
  if ('path' in file) {
    let size: number;
    try {
      size = (await fs.promises.stat(file.path)).size;
    } catch (e) {
      throw new AppError('NOT_FOUND', `File ${file.path} not found`, [
        { value: file.path, reason: (e as Error).message },
      ]);
    }
    return {
      name: file.name,
      size,
      ...hashing(fs.createReadStream(file.path, { highWaterMark: 256 * 1024 })),
    };
  }
  return fetchUrl(file.url, options.fetchTimeoutMs);
}

async function fetchUrl(url: string, timeoutMs: number): Promise<OpenedFile> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new AppError('VALIDATION_FAILED', 'Not a URL', [{ value: url, reason: 'not a valid URL' }]);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new AppError('VALIDATION_FAILED', 'Only http and https URLs can be fetched', [
      { value: url, reason: 'only http and https URLs can be fetched' },
    ]);
  }
  const signal = AbortSignal.timeout(timeoutMs);
  let response: Response;
  try {
    response = await fetch(parsed, { signal, redirect: 'follow' });
  } catch (e) {
    throw fetchFailure(url, e, timeoutMs);
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    throw new AppError('SOURCE_FETCH_FAILED', `The source answered ${response.status}`, [
      { value: url, reason: `HTTP ${response.status} ${response.statusText}`.trim() },
    ]);
  }
  const length = Number(response.headers.get('content-length'));
  const body = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
  // A timeout while the body streams surfaces as a stream error: give it the same clear code.
  const guarded = new Transform({
    transform(chunk: Buffer, _enc, done) {
      done(null, chunk);
    },
  });
  body.on('error', (e) => guarded.destroy(fetchFailure(url, e, timeoutMs)));
  body.pipe(guarded);
  const name = decodeURIComponent(parsed.pathname.split('/').filter(Boolean).pop() ?? '') || parsed.host;
  return { name, size: Number.isFinite(length) && length > 0 ? length : null, ...hashing(guarded) };
}

function fetchFailure(url: string, e: unknown, timeoutMs: number): AppError {
  const err = e as { name?: string; message?: string; cause?: { message?: string } };
  const reason =
    err.name === 'TimeoutError' || err.name === 'AbortError'
      ? `no complete answer within ${timeoutMs} ms`
      : (err.cause?.message ?? err.message ?? String(e));
  return new AppError('SOURCE_FETCH_FAILED', 'The source could not be fetched', [{ value: url, reason }]);
}

/** Reads a whole stream into memory, refusing more than `max` bytes. */
export async function readAll(stream: Readable, max: number, name: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    const b = chunk as Buffer;
    total += b.length;
    if (total > max) {
      stream.destroy();
      throw new AppError('PAYLOAD_TOO_LARGE', `${name} is larger than ${Math.round(max / 1024 / 1024)} MB`, [
        {
          line: null,
          reason: `spreadsheets and JSON are read whole, up to ${Math.round(max / 1024 / 1024)} MB; export large files as CSV, which is streamed`,
        },
      ]);
    }
    chunks.push(b);
  }
  return Buffer.concat(chunks, total);
}

export const extensionOf = (name: string): string => path.extname(name).toLowerCase();

import { Readable } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import type { Mapping } from '../../../../core/contracts/mapping.ts';
import { decodeStream, decodeText, sniffDelimiter, SNIFF_BYTES } from '../../../platform/text-decoding.ts';
import { BATCH_ROWS, fileProblem, type RowReader, type SourceRow } from './reader.ts';

type CsvFormat = Extract<Mapping['format'], { type: 'csv' }>;

/** Reads the first bytes of a stream without losing them: `rest` replays them, then the remainder. */
async function peek(input: Readable, bytes: number): Promise<{ head: Buffer; rest: Readable }> {
  const iterator = input[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const chunks: Buffer[] = [];
  let length = 0;
  let ended = false;
  while (length < bytes) {
    const next = await iterator.next();
    if (next.done) {
      ended = true;
      break;
    }
    chunks.push(next.value);
    length += next.value.length;
  }
  const head = Buffer.concat(chunks, length);
  async function* replay(): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    if (ended) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  }
  return { head, rest: Readable.from(replay(), { objectMode: false }) };
}

/** Cuts a sample at its last line feed, so a multi-byte character split by the sample's end is not misread. */
function wholeLines(head: Buffer, complete: boolean): Buffer {
  if (complete) return head;
  const lf = head.lastIndexOf(0x0a);
  return lf > 0 ? head.subarray(0, lf + 1) : head;
}

/** Line breaks inside a field, a CRLF counting as one. */
function countBreaks(text: string): number {
  let breaks = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) breaks++;
    else if (c === 13) {
      breaks++;
      if (text.charCodeAt(i + 1) === 10) i++;
    }
  }
  return breaks;
}

/**
 * Streams a CSV file of any encoding and delimiter: the encoding and delimiter are chosen from the first 64 KiB
 * unless the mapping names them. Quotes are strict, so an unbalanced quote is a located error rather than a
 * silently merged record; a row with more or fewer fields than the header is reported on its own line and the
 * rest of the file is still read.
 */
export async function openCsvReader(input: Readable, format: CsvFormat): Promise<RowReader> {
  const { head, rest } = await peek(input, SNIFF_BYTES);
  const declared = format.encoding === 'auto' ? undefined : format.encoding;
  const sample = decodeText(wholeLines(head, head.length < SNIFF_BYTES), declared);
  if (sample.text.trim() === '')
    throw fileProblem({ line: 1, column: null, value: null, reason: 'the file is empty' });
  const delimiter = format.delimiter === 'auto' ? sniffDelimiter(sample.text) : format.delimiter;

  // UTF-8 goes to the parser as bytes: decoding to strings only for csv-parse to encode them again costs about
  // as much as the parsing. Every other encoding is decoded by the shared streaming decoder.
  const text = sample.encoding === 'utf-8' ? rest : (await decodeStream(rest, sample.encoding)).stream;
  const parser = text.pipe(
    parse({
      delimiter,
      bom: true,
      relax_column_count: true,
      relax_quotes: false,
      from_line: format.headerRow,
    }),
  );
  text.on('error', (e) => parser.destroy(e));

  // Lines are counted here rather than with csv-parse's `info` (an object per record, and it counts a CRLF inside
  // a quoted field as two lines): each record takes one line plus the line breaks inside its fields.
  let nextLine = format.headerRow;
  const advance = (record: string[]): number => {
    const line = nextLine;
    let breaks = 0;
    for (const field of record) {
      if (field.indexOf('\n') === -1 && field.indexOf('\r') === -1) continue;
      breaks += countBreaks(field);
    }
    nextLine += 1 + breaks;
    return line;
  };
  const isEmptyLine = (record: string[]) => record.length === 1 && record[0] === '';

  // Records are taken from the parser in batches through 'data' events rather than its async iterator, which
  // costs a promise per record and, when parsing fails, drops the records parsed before the failure.
  const queue: string[][] = [];
  let ended = false;
  let failure: unknown = null;
  let wake: (() => void) | null = null;
  const signal = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  parser.on('data', (record: string[]) => {
    queue.push(record);
    if (queue.length >= BATCH_ROWS) parser.pause();
    signal();
  });
  parser.on('end', () => {
    ended = true;
    signal();
  });
  parser.on('error', (e) => {
    failure = e;
    signal();
  });
  /** The records parsed so far (waiting for some), or null at the end; throws once those before a failure are taken. */
  const take = async (): Promise<string[][] | null> => {
    while (queue.length === 0 && !ended && failure === null) {
      await new Promise<void>((resolve) => {
        wake = resolve;
        parser.resume();
      });
    }
    if (queue.length > 0) return queue.splice(0, queue.length);
    if (failure !== null) throw located(failure);
    return null;
  };
  const located = (e: unknown): unknown => {
    if (!(e instanceof CsvError)) return e;
    // Every record before the failure has been counted, so the broken one starts on nextLine.
    return fileProblem({
      line: nextLine,
      column: null,
      value: null,
      reason: `${e.message.replace(/ at line \d+/, '')} (in the record starting on this line; nothing after it could be read)`,
    });
  };

  let pending: string[][] = [];
  const nextRecord = async (): Promise<string[] | null> => {
    if (pending.length === 0) pending = (await take()) ?? [];
    return pending.shift() ?? null;
  };
  let first = await nextRecord();
  while (first !== null && isEmptyLine(first)) {
    advance(first);
    first = await nextRecord();
  }
  if (first === null) throw fileProblem({ line: 1, column: null, value: null, reason: 'the file is empty' });
  const headerLine = advance(first);
  const columns = first.map((c) => c.trim());
  if (columns.every((c) => c === '')) {
    throw fileProblem({ line: headerLine, column: null, value: null, reason: 'the header row is empty' });
  }
  const width = columns.length;

  async function* batches(): AsyncGenerator<SourceRow[]> {
    try {
      for (;;) {
        const records = pending.length > 0 ? pending.splice(0, pending.length) : await take();
        if (records === null) break;
        const batch: SourceRow[] = [];
        for (const record of records) {
          const line = advance(record);
          if (isEmptyLine(record)) continue;
          const obj: Record<string, unknown> = {};
          const count = Math.min(width, record.length);
          for (let i = 0; i < count; i++) obj[columns[i]!] = record[i];
          const row: SourceRow = { line, record: obj };
          if (record.length !== width) {
            row.problem = `the row has ${record.length} fields but the header has ${width} (a missing or extra delimiter or quote?)`;
          }
          batch.push(row);
        }
        if (batch.length > 0) yield batch;
      }
    } finally {
      // Stops reading (and closes the file) when the import ends early.
      parser.destroy();
    }
  }

  const info = (parser as unknown as { info: { bytes: number; records: number } }).info;
  return {
    columns,
    encoding: sample.encoding,
    batches: batches(),
    estimatedRecords: (fileBytes) =>
      fileBytes === null || info.bytes === 0 ? null : Math.round((fileBytes / info.bytes) * info.records),
  };
}

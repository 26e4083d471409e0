import { Readable, Transform, pipeline } from 'node:stream';
import chardet from 'chardet';
import iconv from 'iconv-lite';
import { AppError } from './errors.ts';

/**
 * Files from city departments and partners arrive in whatever encoding their spreadsheet tool wrote:
 * UTF-8 with or without BOM, Windows-1252 from older Excel, UTF-16LE from "Unicode text" exports.
 * Order of precedence, as in the WHATWG encoding sniffing rules: a BOM wins, then a declared encoding,
 * then valid UTF-8, then the statistical guess.
 */

export type Delimiter = ',' | ';' | '\t' | '|';

/** How many bytes the streaming variant reads before deciding on an encoding. */
export const SNIFF_BYTES = 64 * 1024;

const BOMS: Array<{ bytes: number[]; encoding: string }> = [
  // UTF-32LE before UTF-16LE: its BOM starts with the UTF-16LE one.
  { bytes: [0xff, 0xfe, 0x00, 0x00], encoding: 'utf-32le' },
  { bytes: [0x00, 0x00, 0xfe, 0xff], encoding: 'utf-32be' },
  { bytes: [0xef, 0xbb, 0xbf], encoding: 'utf-8' },
  { bytes: [0xff, 0xfe], encoding: 'utf-16le' },
  { bytes: [0xfe, 0xff], encoding: 'utf-16be' },
];

function bomEncoding(bytes: Uint8Array): string | undefined {
  for (const bom of BOMS) {
    if (bytes.length >= bom.bytes.length && bom.bytes.every((b, i) => bytes[i] === b)) return bom.encoding;
  }
  return undefined;
}

function normaliseDeclared(declared: string): string {
  const name = declared.trim().toLowerCase();
  if (!iconv.encodingExists(name)) {
    throw new AppError('VALIDATION_FAILED', `Unknown text encoding "${declared}"`, [
      {
        value: declared,
        reason: 'not a known encoding; use e.g. utf-8, windows-1252, utf-16le, iso-8859-15',
      },
    ]);
  }
  return name === 'utf8' ? 'utf-8' : name;
}

/** True when `bytes` is valid UTF-8, allowing a multi-byte sequence cut off at the end when `partial`. */
function isUtf8(bytes: Uint8Array, partial: boolean): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: partial });
    return true;
  } catch {
    return false;
  }
}

/**
 * UTF-16 without a BOM shows up as a NUL in every other byte for Latin text; chardet needs a BOM to see it,
 * so look at where the zero bytes fall.
 */
function utf16WithoutBom(bytes: Uint8Array): string | undefined {
  const n = Math.min(bytes.length, 4096) & ~1;
  if (n < 4) return undefined;
  let evenZeros = 0;
  let oddZeros = 0;
  for (let i = 0; i < n; i += 2) {
    if (bytes[i] === 0) evenZeros++;
    if (bytes[i + 1] === 0) oddZeros++;
  }
  const pairs = n / 2;
  if (oddZeros > pairs * 0.4 && evenZeros < pairs * 0.05) return 'utf-16le';
  if (evenZeros > pairs * 0.4 && oddZeros < pairs * 0.05) return 'utf-16be';
  return undefined;
}

const CHARDET_ALIASES: Record<string, string> = {
  // Latin-1's 0x80–0x9F are control characters nobody types; Windows-1252 is what such files really are.
  'iso-8859-1': 'windows-1252',
  ascii: 'utf-8',
};

const WESTERN_SHARE = 0.4;

/** Bytes Windows-1252 leaves undefined: their presence rules it out. */
function hasCp1252Holes(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0x81 || b === 0x8d || b === 0x8f || b === 0x90 || b === 0x9d) return true;
  }
  return false;
}

function detectEncoding(bytes: Uint8Array, partial: boolean): string {
  const fromBom = bomEncoding(bytes);
  if (fromBom) return fromBom;
  const utf16 = utf16WithoutBom(bytes);
  if (utf16) return utf16;
  if (isUtf8(bytes, partial)) return 'utf-8';
  const candidates = chardet
    .analyse(bytes)
    .map((m) => ({
      name: CHARDET_ALIASES[m.name.toLowerCase()] ?? m.name.toLowerCase(),
      confidence: m.confidence,
    }))
    // Not valid UTF-8 (checked above), so a UTF-8 guess would only produce replacement characters.
    .filter((m) => m.name !== 'utf-8' && iconv.encodingExists(m.name));
  const top = candidates[0];
  if (!top) return 'windows-1252';
  // chardet's single-byte guesses are close calls on short files (e.g. "café" scores higher as ISO-8859-2);
  // Windows-1252 is by far the most common legacy export, so it wins whenever it is a reasonable contender.
  const western = candidates.find((m) => m.name === 'windows-1252');
  if (western && western.confidence >= top.confidence * WESTERN_SHARE && !hasCp1252Holes(bytes))
    return 'windows-1252';
  return top.name;
}

function chooseEncoding(bytes: Uint8Array, declared: string | undefined, partial: boolean): string {
  const fromBom = bomEncoding(bytes);
  if (fromBom) return fromBom;
  if (declared !== undefined && declared.trim() !== '') return normaliseDeclared(declared);
  return detectEncoding(bytes, partial);
}

/** Decodes a whole file to text, stripping any BOM; `encoding` says what was used (lower-case, e.g. "windows-1252"). */
export function decodeText(bytes: Uint8Array, declared?: string): { text: string; encoding: string } {
  const encoding = chooseEncoding(bytes, declared, false);
  const text = iconv.decode(bytes, encoding, { stripBOM: true });
  // A declared UTF-8 file may still start with a BOM that iconv leaves when the codec is chosen by name only.
  return { text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, encoding };
}

/**
 * Streaming variant for files too large to hold twice in memory: reads the first 64 KiB to choose the encoding,
 * then decodes everything (including those bytes) through iconv. The returned stream yields strings.
 */
export async function decodeStream(
  input: Readable,
  declared?: string,
): Promise<{ stream: Readable; encoding: string }> {
  const iterator = input[Symbol.asyncIterator]() as AsyncIterator<Buffer | Uint8Array | string>;
  const head: Buffer[] = [];
  let headLength = 0;
  let ended = false;
  while (headLength < SNIFF_BYTES) {
    const next = await iterator.next();
    if (next.done) {
      ended = true;
      break;
    }
    const chunk = typeof next.value === 'string' ? Buffer.from(next.value, 'utf8') : Buffer.from(next.value);
    head.push(chunk);
    headLength += chunk.length;
  }
  const headBytes = Buffer.concat(head);
  const encoding = chooseEncoding(headBytes, declared, !ended);

  async function* bytes(): AsyncGenerator<Buffer> {
    if (headBytes.length > 0) yield headBytes;
    if (ended) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield typeof next.value === 'string' ? Buffer.from(next.value, 'utf8') : Buffer.from(next.value);
    }
  }

  let first = true;
  const dropBom = new Transform({
    readableObjectMode: false,
    decodeStrings: false,
    encoding: 'utf8',
    transform(chunk: string | Buffer, _enc, done) {
      let text = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
      if (first && text.length > 0) {
        first = false;
        if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      }
      done(null, text);
    },
  });
  const stream = pipeline(
    Readable.from(bytes()),
    iconv.decodeStream(encoding, { stripBOM: true }),
    dropBom,
    () => {
      // Errors reach the consumer through the returned stream; pipeline destroys every stage on failure.
    },
  );
  return { stream, encoding };
}

const CANDIDATES: Delimiter[] = [',', ';', '\t', '|'];

/**
 * Guesses the field delimiter from the first lines of a CSV-like text: the candidate that splits the lines into
 * the same number of fields most consistently wins (quoted fields are skipped); ties go to the one producing more
 * fields, then to the order comma, semicolon, tab, pipe. Defaults to comma.
 */
export function sniffDelimiter(sample: string): Delimiter {
  const lines = splitRecords(sample, 30);
  if (lines.length === 0) return ',';
  let best: Delimiter = ',';
  let bestScore = -1;
  let bestFields = 0;
  for (const delimiter of CANDIDATES) {
    const counts = lines.map((line) => countOutsideQuotes(line, delimiter));
    if (counts.every((c) => c === 0)) continue;
    const frequency = new Map<number, number>();
    for (const c of counts) frequency.set(c, (frequency.get(c) ?? 0) + 1);
    let modeCount = 0;
    let modeFreq = 0;
    for (const [c, f] of frequency) {
      if (c > 0 && (f > modeFreq || (f === modeFreq && c > modeCount))) {
        modeCount = c;
        modeFreq = f;
      }
    }
    const score = modeFreq / counts.length;
    if (score > bestScore || (score === bestScore && modeCount > bestFields)) {
      best = delimiter;
      bestScore = score;
      bestFields = modeCount;
    }
  }
  return best;
}

/** Splits into records, keeping line breaks inside quoted fields, dropping a last line that may be cut off. */
function splitRecords(sample: string, max: number): string[] {
  const records: string[] = [];
  let inQuotes = false;
  let start = 0;
  for (let i = 0; i < sample.length && records.length < max; i++) {
    const ch = sample.charCodeAt(i);
    if (ch === 34) inQuotes = !inQuotes;
    else if (!inQuotes && (ch === 10 || ch === 13)) {
      const line = sample.slice(start, i);
      if (line.trim() !== '') records.push(line);
      if (ch === 13 && sample.charCodeAt(i + 1) === 10) i++;
      start = i + 1;
    }
  }
  if (records.length === 0 && sample.trim() !== '') records.push(sample.slice(start));
  return records;
}

function countOutsideQuotes(line: string, delimiter: string): number {
  const d = delimiter.charCodeAt(0);
  let inQuotes = false;
  let n = 0;
  for (let i = 0; i < line.length; i++) {
    const ch = line.charCodeAt(i);
    if (ch === 34) inQuotes = !inQuotes;
    else if (ch === d && !inQuotes) n++;
  }
  return n;
}

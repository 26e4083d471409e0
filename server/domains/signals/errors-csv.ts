import { stringify } from 'csv-stringify/sync';
import type { ImportProblem } from './readers/reader.ts';

/** Cells a spreadsheet would run as a formula (CSV injection); a leading apostrophe makes them plain text. */
const FORMULA_START = /^[=+\-@\t\r]/;

export const escapeFormula = (text: string): string => (FORMULA_START.test(text) ? `'${text}` : text);

/**
 * A dry run's problems as a CSV to open in a spreadsheet next to the file being fixed: UTF-8 with a BOM (so Excel
 * reads accents right), CRLF, every cell escaped against formula injection since values come from the upload.
 */
export function errorsToCsv(errors: readonly ImportProblem[]): string {
  const rows = errors.map((e) => [
    e.line === 0 ? '' : String(e.line),
    escapeFormula(e.column ?? ''),
    escapeFormula(e.value ?? ''),
    escapeFormula(e.reason),
  ]);
  return `\uFEFF${stringify([['line', 'column', 'value', 'reason'], ...rows], { record_delimiter: '\r\n' })}`;
}

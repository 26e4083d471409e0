import type { Readable } from 'node:stream';
import * as XLSX from '@e965/xlsx';
import type { Mapping } from '../../../../core/contracts/mapping.ts';
import {
  BATCH_ROWS,
  MAX_WHOLE_FILE_BYTES,
  fileProblem,
  readAll,
  type RowReader,
  type SourceRow,
} from './reader.ts';

type XlsxFormat = Extract<Mapping['format'], { type: 'xlsx' }>;

/**
 * Reads XLSX, XLS and ODS workbooks (SheetJS detects which from the bytes). Spreadsheets are read whole, within a
 * size limit. What a cell yields:
 * - formulas: the value the spreadsheet last calculated and saved (formulas are not re-evaluated);
 * - merged cells: the value belongs to the top-left cell only; the other cells of the merge are empty;
 * - dates: the spreadsheet's serial day number (use the `excel` date format), text cells: their text.
 * Row numbers in errors are the spreadsheet's own row numbers.
 */
export async function openXlsxReader(input: Readable, format: XlsxFormat, name: string): Promise<RowReader> {
  const bytes = await readAll(input, MAX_WHOLE_FILE_BYTES, name);
  if (bytes.length === 0)
    throw fileProblem({ line: 1, column: null, value: null, reason: 'the file is empty' });
  let workbook: XLSX.WorkBook;
  try {
    workbook = XLSX.read(bytes, {
      type: 'buffer',
      dense: true,
      cellFormula: false,
      cellHTML: false,
      cellDates: false,
    });
  } catch (e) {
    throw fileProblem({
      line: 0,
      column: null,
      value: null,
      reason: `not a readable spreadsheet (${(e as Error).message})`,
    });
  }
  const sheetName = typeof format.sheet === 'number' ? workbook.SheetNames[format.sheet] : format.sheet;
  const sheet = sheetName === undefined ? undefined : workbook.Sheets[sheetName];
  if (!sheet) {
    throw fileProblem({
      line: 0,
      column: null,
      value: String(format.sheet),
      reason: `the workbook has no such sheet; its sheets are: ${workbook.SheetNames.join(', ')}`,
    });
  }
  const ref = sheet['!ref'];
  if (!ref) throw fileProblem({ line: 1, column: null, value: null, reason: 'the sheet is empty' });
  const range = XLSX.utils.decode_range(ref);
  const headerIndex = format.headerRow - 1;
  if (headerIndex > range.e.r) {
    throw fileProblem({
      line: format.headerRow,
      column: null,
      value: null,
      reason: 'the sheet has no header row here',
    });
  }
  range.s.r = headerIndex;
  const rows = XLSX.utils.sheet_to_json<unknown[]>(sheet, {
    header: 1,
    raw: true,
    defval: null,
    blankrows: true,
    range,
  });
  const header = rows[0] ?? [];
  const columns = header.map((c) => (c === null || c === undefined ? '' : String(c).trim()));
  if (columns.every((c) => c === '')) {
    throw fileProblem({
      line: format.headerRow,
      column: null,
      value: null,
      reason: 'the header row is empty',
    });
  }

  async function* batches(): AsyncGenerator<SourceRow[]> {
    let batch: SourceRow[] = [];
    for (let i = 1; i < rows.length; i++) {
      const values = rows[i]!;
      if (values.every((v) => v === null || v === undefined || (typeof v === 'string' && v.trim() === '')))
        continue;
      const record: Record<string, unknown> = {};
      for (let c = 0; c < columns.length; c++) if (columns[c] !== '') record[columns[c]!] = values[c] ?? null;
      batch.push({ line: headerIndex + 1 + i, record });
      if (batch.length >= BATCH_ROWS) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  }
  return { columns, encoding: null, batches: batches(), estimatedRecords: () => rows.length - 1 };
}

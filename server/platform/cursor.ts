import { AppError } from './errors.ts';

/**
 * Keyset-paging cursors: the sort key of the last row of a page, opaque to clients (base64url JSON). A cursor that
 * was not handed out by the server answers 400 with the field named.
 */
export function encodeCursor(key: Record<string, string>): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor<F extends string>(cursor: string, fields: readonly F[]): Record<F, string> {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      typeof value === 'object' &&
      value !== null &&
      fields.every((f) => typeof (value as Record<string, unknown>)[f] === 'string')
    ) {
      return value as Record<F, string>;
    }
  } catch {
    // Falls through to the error below.
  }
  throw new AppError('VALIDATION_FAILED', 'The cursor is not valid', [
    { field: 'cursor', value: cursor, reason: 'pass back nextCursor from a previous page unchanged' },
  ]);
}

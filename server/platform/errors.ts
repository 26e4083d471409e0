/**
 * Errors carry a stable machine code; HTTP answers them as RFC 9457 problem+json and the CLI prints them.
 * Codes are part of the API contract: add new ones, never repurpose.
 */
export type ErrorCode =
  | 'VALIDATION_FAILED'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'IMPORT_INVALID'
  | 'MAPPING_INVALID'
  | 'GEOJSON_INVALID'
  | 'ROLLBACK_CONFLICT'
  | 'SOURCE_FETCH_FAILED'
  | 'UNAUTHENTICATED'
  | 'SECOND_FACTOR_REQUIRED'
  | 'REAUTHENTICATION_REQUIRED'
  | 'CSRF_FAILED'
  | 'FORBIDDEN'
  | 'INVALID_CREDENTIALS'
  | 'TOO_MANY_ATTEMPTS'
  | 'WEAK_PASSWORD'
  | 'INVALID_SECOND_FACTOR'
  | 'SECOND_FACTOR_MANDATORY'
  | 'SSO_FAILED'
  | 'SSO_UNAVAILABLE'
  | 'INTERNAL';

const statusByCode: Record<ErrorCode, number> = {
  VALIDATION_FAILED: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  IMPORT_INVALID: 422,
  MAPPING_INVALID: 422,
  GEOJSON_INVALID: 422,
  ROLLBACK_CONFLICT: 409,
  SOURCE_FETCH_FAILED: 502,
  UNAUTHENTICATED: 401,
  SECOND_FACTOR_REQUIRED: 403,
  REAUTHENTICATION_REQUIRED: 403,
  CSRF_FAILED: 403,
  FORBIDDEN: 403,
  INVALID_CREDENTIALS: 401,
  TOO_MANY_ATTEMPTS: 429,
  WEAK_PASSWORD: 400,
  INVALID_SECOND_FACTOR: 401,
  SECOND_FACTOR_MANDATORY: 409,
  SSO_FAILED: 401,
  SSO_UNAVAILABLE: 502,
  INTERNAL: 500,
};

export type ProblemDetail = Record<string, unknown>;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Located problems (row, column, feature, reason …), safe to show the user. */
  readonly details: ProblemDetail[];

  constructor(code: ErrorCode, message: string, details: ProblemDetail[] = []) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.status = statusByCode[code];
    this.details = details;
  }
}

export const notFound = (what: string): AppError => new AppError('NOT_FOUND', `${what} not found`);

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;

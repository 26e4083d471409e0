import { v7 } from 'uuid';

/** Time-ordered UUIDv7 text ids: sortable, index-friendly on both dialects. */
export const newId = (): string => v7();

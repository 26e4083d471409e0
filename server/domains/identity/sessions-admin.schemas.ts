import { z } from 'zod';

export const sessionListQuerySchema = z.strictObject({
  userId: z.uuid().optional().describe('Only this account’s sessions'),
  cursor: z.string().min(1).max(500).optional().describe('nextCursor from the previous page'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type SessionListQuery = z.infer<typeof sessionListQuerySchema>;

export const sessionIdParams = z.object({ id: z.uuid() });

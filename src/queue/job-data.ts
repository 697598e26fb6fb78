import { UnrecoverableError } from 'bullmq';
import type { z } from 'zod';

/**
 * A job's data as `schema` says. Redis content is untyped even though we wrote it, so it is
 * validated at the boundary; data that does not fit is an UnrecoverableError: no retry can fix it.
 */
export function validJobData<S extends z.ZodType>(schema: S, data: unknown): z.output<S> {
  const parsed = schema.safeParse(data);
  if (!parsed.success) throw new UnrecoverableError(`invalid job data: ${parsed.error.message}`);
  return parsed.data;
}

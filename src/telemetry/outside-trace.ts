import { context, ROOT_CONTEXT } from '@opentelemetry/api';
import { tracingOn } from './state.ts';

/**
 * Runs `work` outside whatever trace is active here: background work that a request or job only
 * happens to wake (the webhook relay's pass, woken by a job's completion) is no part of its
 * story, and its statements would otherwise be spans in that trace.
 */
export function outsideTrace<T>(work: () => T): T {
  return tracingOn() ? context.with(ROOT_CONTEXT, work) : work();
}

import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../deps.ts';

/**
 * Operations surfaces: /health/live, /health/ready, /metrics, Bull Board at /admin/queues.
 * Scaffold only: the operations work (issue 5) fills this in.
 */
export async function registerOps(_app: FastifyInstance, _deps: AppDeps): Promise<void> {}

import { type ServiceProcess, spawnOnPort } from './processes.ts';

export type WorkerProcess = ServiceProcess;

/**
 * Runs `workers/main.ts` (what `npm run start:worker` runs) as a child process on
 * this Node binary, with short lock and stall intervals so that a killed worker's job is
 * picked up by another worker within a few seconds (the reliability suite's process harness).
 */
export function spawnWorker(env: Record<string, string>): WorkerProcess {
  return spawnOnPort('worker', env);
}

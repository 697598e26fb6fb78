export const JOB_STATES = ['queued', 'active', 'completed', 'cancelled', 'failed'] as const;
export type JobState = (typeof JOB_STATES)[number];
export const ENDED_JOB_STATES: readonly JobState[] = ['completed', 'cancelled', 'failed'];

// The job resource's paths, for tests that walk every route taking a job id (isolation,
// hostile ids): a route added to the API belongs in `jobIdRoutes` too.

export const JOBS = '/api/v3/oc/numbers/jobs';

/** Every route that takes a job id, as `[method, path]`. */
export const jobIdRoutes = (jobId: string) =>
  [
    ['GET', `${JOBS}/${jobId}`],
    ['GET', `${JOBS}/${jobId}/items`],
    ['POST', `${JOBS}/${jobId}/cancel`],
    ['DELETE', `${JOBS}/${jobId}`],
  ] as const;

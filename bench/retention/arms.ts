// The arms of the retention part's admitted-load rounds: retention off twice ("off A", "off B":
// the A/A control) and one "on" arm per variant of OCN_BENCH_RETENTION_ON_ENV.

export type Arm = string;

export interface OnVariant {
  arm: Arm;
  env: Record<string, string>;
}

/** The "on" arms: one per variant of OCN_BENCH_RETENTION_ON_ENV, named by its settings. */
export const onVariants = (): OnVariant[] =>
  (process.env.OCN_BENCH_RETENTION_ON_ENV ?? '').split(';').map((variant) => {
    const env = Object.fromEntries(
      variant
        .split(',')
        .filter((kv) => kv.includes('='))
        .map((kv) => [kv.slice(0, kv.indexOf('=')).trim(), kv.slice(kv.indexOf('=') + 1).trim()]),
    );
    const settings = Object.entries(env).map(([k, v]) => `${k}=${v}`);
    return { arm: settings.length ? `on (${settings.join(' ')})` : 'on', env };
  });

/** The service's settings in an arm: an "on" arm deletes old jobs, starting within a second. */
export const armEnv = (variant: OnVariant | undefined): Record<string, string> =>
  variant ? { JOB_RETENTION_DAYS: '1', MAINTENANCE_INTERVAL_MS: '1000', ...variant.env } : {};

/** Round `round`'s order: the arms rotated, so no arm always comes first or last. */
export const armOrder = (arms: readonly Arm[], round: number): Arm[] =>
  arms.map((_, i) => arms[(i + round) % arms.length] as Arm);

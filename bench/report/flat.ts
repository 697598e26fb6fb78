import type { Results } from '../parts/index.ts';

/** The top-level keys of results.json: medians, flat, for scripts and dashboards. */
export function flatten(r: Results): Record<string, number | undefined> {
  const out: Record<string, number | undefined> = {};
  if (r.probes) {
    out.roundTripMs = round(r.probes.roundTripMs, 3);
    out.commitMs = round(r.probes.commitMs, 2);
  }
  if (r.core) {
    const perSec = (m: { numbersPerSec: { median: number } }) => m.numbersPerSec.median;
    const { service, serviceOneChunk, naive, floor } = r.core;
    out.workerNumbersPerSec = round(perSec(service));
    out.workerOneChunkNumbersPerSec = serviceOneChunk && round(perSec(serviceOneChunk));
    if (r.core.serviceClear) {
      out.workerClearNumbersPerSec = round(perSec(r.core.serviceClear));
      out.clearVsReadyForRemoval = round(perSec(r.core.serviceClear) / perSec(service), 2);
    }
    out.naiveNumbersPerSec = round(perSec(naive));
    out.floorNumbersPerSec = round(perSec(floor));
    out.workerVsNaive = round(perSec(service) / perSec(naive), 2);
    out.workerVsFloor = round(perSec(service) / perSec(floor), 2);
  }
  if (r.bounds) {
    for (const v of r.bounds.variants)
      out[`bounds${camel(v.label)}NumbersPerSec`] = round(v.measured.numbersPerSec.median);
  }
  if (r.e2e) {
    out.sync500P50Ms = round(r.e2e.latencyMs.p50, 1);
    out.sync500P95Ms = round(r.e2e.latencyMs.p95, 1);
    out.sync500P99Ms = round(r.e2e.latencyMs.p99, 1);
    out.intake500P50Ms = round(r.e2e.intakeLatencyMs.p50, 1);
  }
  if (r.load) {
    const pg = r.load.postgresCpuMsPer1000Numbers;
    out.loadNumbersPerSec = round(r.load.numbersPerSec);
    out.loadMaxBacklog = r.load.maxWaiting;
    out.loadServiceCpuMsPer1000Numbers = round(r.load.serviceCpuMsPer1000Numbers, 1);
    out.loadPostgresCpuMsPer1000Numbers = pg === undefined ? undefined : round(pg, 1);
  }
  if (r.validation) {
    out.validationUsPerBody = round(r.validation.coldUsPerBody.median);
    out.validationMemoisedUsPerBody = round(r.validation.warmUsPerBody.median);
  }
  if (r.webhooks) {
    const { admitted, drain } = r.webhooks;
    if (admitted) {
      out.webhookDeliveryP50Ms = round(admitted.deliveryMs.p50, 1);
      out.webhookDeliveryP99Ms = round(admitted.deliveryMs.p99, 1);
      out.webhookOnOverOff = round(admitted.onOverOff.median, 3);
      out.webhookCpuOnOverOff = round(admitted.cpuOnOverOff.median, 3);
    }
    for (const d of drain) {
      if (d.baseline) continue;
      const key = d.layout === 'together' ? 'webhookDrainOnOverOff' : 'webhookDrainApartOnOverOff';
      out[key] = round(d.onOverOff.median, 3);
      out[`${key.replace('OnOverOff', '')}CpuOnOverOff`] = round(d.cpuOnOverOff.median, 3);
    }
  }
  if (r.scaling) {
    for (const s of r.scaling.inProcess) {
      out[`scaling${s.concurrency}JobsNumbersPerSec`] = round(s.numbersPerSec.median);
    }
    for (const s of r.scaling.queued) {
      out[`scaling${s.processes}ProcessesNumbersPerSec`] = round(s.numbersPerSec.median);
    }
  }
  if (r.tracing) {
    const { on, off, sampled, onOverOff, control } = r.tracing;
    out.tracingOffNumbersPerSec = round(off.numbersPerSec.median);
    out.tracingOnNumbersPerSec = round(on.numbersPerSec.median);
    out.tracingThroughputRatio = round(onOverOff.numbersPerSec.median, 3);
    out.tracingSyncP50Ratio = round(onOverOff.syncP50Ms.median, 3);
    out.tracingControlThroughputRatio = round(control.numbersPerSec.median, 3);
    out.tracingControlSyncP50Ratio = round(control.syncP50Ms.median, 3);
    out.tracingCpuMsPerSyncRequestOff = round(off.cpuMsPerRequest.median, 1);
    out.tracingCpuMsPerSyncRequestOn = round(on.cpuMsPerRequest.median, 1);
    out.tracingCpuMsPerSyncRequestSampled = round(sampled.cpuMsPerRequest.median, 1);
    out.tracingCpuPerRequestRatio = round(onOverOff.cpuMsPerRequest.median, 3);
    const b = r.tracing.baseline;
    if (b) out.tracingCpuPerRequestOverBaseline = round(b.onOverBaseline.cpuMsPerRequest.median, 3);
  }
  return out;
}

function round(v: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/** "one chunk, no commit flush" → "OneChunkNoCommitFlush" */
function camel(label: string): string {
  return label
    .split(/[^a-zA-Z0-9]+/)
    .filter(Boolean)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}

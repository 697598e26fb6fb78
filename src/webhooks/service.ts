import type { Database } from '../db/client.ts';
import { TargetNotAllowedError } from './addresses.ts';
import { type DeliveryLogOptions, listDeliveries } from './delivery-log.ts';
import {
  createEndpoint,
  deleteEndpoint,
  type EndpointChanges,
  EndpointLimitError,
  type EndpointRef,
  type EndpointRow,
  getEndpoint,
  listEndpoints,
  rotateSecret,
  updateEndpoint,
} from './endpoints.ts';
import type { WebhookEvent } from './events.ts';
import { checkTargetUrl, type TargetRules } from './target.ts';

export interface NewEndpoint {
  url: string;
  events: readonly WebhookEvent[];
  description: string | null;
}

type TargetNotAllowed = { kind: 'target-not-allowed'; reason: string };

export type CreateEndpointOutcome =
  | { kind: 'created'; endpoint: EndpointRow & { secret: string } }
  | TargetNotAllowed
  | { kind: 'limit-reached'; message: string };

export type UpdateEndpointOutcome =
  | { kind: 'updated'; endpoint: EndpointRow }
  | TargetNotAllowed
  | { kind: 'not-found' };

/**
 * The webhook use cases the API offers over the database: register an endpoint (within the
 * target rules and the operator's maximum), list, read, change, delete, rotate its secret, and
 * its deliveries log. Every one is scoped to the operator: another operator's endpoint is a
 * missing one. Routes call these and only map the outcomes to HTTP, as the job routes call
 * `JobService`. The delivery side (relay, attempts) is the worker's: `relay.ts`, `attempt.ts`.
 */
export function createWebhookService(deps: { db: Database; targetRules: TargetRules }) {
  const { db, targetRules } = deps;
  /** The target rules' refusal of `url`, if they refuse it. */
  const refusal = async (url: string): Promise<TargetNotAllowed | undefined> => {
    try {
      await checkTargetUrl(url, targetRules);
      return undefined;
    } catch (err) {
      if (!(err instanceof TargetNotAllowedError)) throw err;
      return { kind: 'target-not-allowed', reason: err.message };
    }
  };
  return {
    async create(operatorId: string, input: NewEndpoint): Promise<CreateEndpointOutcome> {
      const refused = await refusal(input.url);
      if (refused) return refused;
      try {
        return { kind: 'created', endpoint: await createEndpoint(db, operatorId, input) };
      } catch (err) {
        if (!(err instanceof EndpointLimitError)) throw err;
        return { kind: 'limit-reached', message: err.message };
      }
    },
    list: (operatorId: string) => listEndpoints(db, operatorId),
    get: (endpoint: EndpointRef) => getEndpoint(db, endpoint),
    async update(endpoint: EndpointRef, changes: EndpointChanges): Promise<UpdateEndpointOutcome> {
      const refused = changes.url === undefined ? undefined : await refusal(changes.url);
      if (refused) return refused;
      const row = await updateEndpoint(db, endpoint, changes);
      return row ? { kind: 'updated', endpoint: row } : { kind: 'not-found' };
    },
    /** False when the operator has no such endpoint. */
    remove: (endpoint: EndpointRef) => deleteEndpoint(db, endpoint),
    rotateSecret: (endpoint: EndpointRef) => rotateSecret(db, endpoint),
    /** A page of the endpoint's deliveries log; undefined when the operator has no such endpoint. */
    async deliveries(endpoint: EndpointRef, options: DeliveryLogOptions) {
      if (!(await getEndpoint(db, endpoint))) return undefined;
      return listDeliveries(db, endpoint, options);
    },
  };
}

export type WebhookService = ReturnType<typeof createWebhookService>;

import { Webhook } from 'standardwebhooks';
import type { Sql } from '../db/client.ts';
import { batched } from './batched.ts';
import { messageBody } from './message.ts';

// What one attempt needs from Postgres, in one statement (shared by the attempts starting
// together), with a per-process cache of what rarely or never changes. A message never changes
// after the outbox wrote it: its body is built once and kept. An endpoint's
// URL and secrets are kept under its version, `updated_at` in microseconds, which every change
// of them moves strictly forward (endpoints.ts): the statement sends the version this process
// knows and gets the URL and secrets back only when they changed. What decides whether to send
// at all — the delivery row (still pending, this attempt), the endpoint's existence and
// `enabled` — is read fresh on every attempt, so a deleted or disabled endpoint receives
// nothing from a stale cache.

export interface EndpointTarget {
  version: string;
  url: string;
  /** `new Webhook(secret)` decodes the secret; kept decoded. */
  signer: Webhook;
  previousSigner: Webhook | null;
  /** Until when the previous secret still signs (24 h after a rotation). */
  previousUntil: number;
}

export interface AttemptTarget {
  state: string;
  attempts: number;
  enabled: boolean;
  endpoint: EndpointTarget;
  /** The message's body, the same bytes for every attempt and endpoint (message.ts). */
  body: string;
}

/** Entries kept per kind; the oldest goes first (both are cheap to read again). */
const MAX_ENTRIES = 5000;

interface Row {
  state: string;
  attempts: number;
  enabled: boolean;
  version: string;
  url: string | null;
  secret: string | null;
  previousSecret: string | null;
  previousUntilMs: number | null;
  type: string | null;
  data: Record<string, unknown> | null;
  createdAt: Date | null;
}

interface Ask {
  messageId: string;
  endpointId: string;
  knownVersion: string | null;
  needMessage: boolean;
}

/**
 * The rows of attempts starting together, in one statement (batched.ts): under a saturated
 * worker one round trip for a burst. Each row answers its own ask, in order.
 */
async function readRows(sql: Sql, asks: Ask[]): Promise<(Row | undefined)[]> {
  const rows = await sql<(Row & { i: number })[]>`
    select v.i::int as i, d.state, d.attempts, e.enabled, ver.version,
           fresh.url, fresh.secret, fresh.previous_secret as "previousSecret",
           (extract(epoch from fresh.previous_secret_expires_at) * 1000)::float8
             as "previousUntilMs",
           m.type, m.data, m.created_at as "createdAt"
    from unnest(${asks.map((a) => a.messageId)}::uuid[], ${asks.map((a) => a.endpointId)}::uuid[],
                ${asks.map((a) => a.knownVersion)}::text[], ${asks.map((a) => a.needMessage)}::bool[])
         with ordinality as v(message_id, endpoint_id, known_version, need_message, i)
    join webhook_deliveries d on d.message_id = v.message_id and d.endpoint_id = v.endpoint_id
    join webhook_endpoints e on e.id = d.endpoint_id
    cross join lateral (
      select (extract(epoch from e.updated_at) * 1000000)::bigint::text as version) ver
    left join lateral (
      select e.url, e.secret, e.previous_secret, e.previous_secret_expires_at
      where ver.version is distinct from v.known_version) fresh on true
    left join webhook_messages m on m.id = d.message_id and v.need_message`;
  const byAsk: (Row | undefined)[] = asks.map(() => undefined);
  for (const { i, ...row } of rows) byAsk[i - 1] = row;
  return byAsk;
}

export function createTargetCache(sql: Sql) {
  const readRow = batched((asks: Ask[]) => readRows(sql, asks));
  const endpoints = new Map<string, EndpointTarget>();
  const bodies = new Map<string, string>();
  const remember = <T>(map: Map<string, T>, key: string, value: T) => {
    map.delete(key);
    map.set(key, value);
    if (map.size > MAX_ENTRIES) map.delete(map.keys().next().value as string);
  };
  /** A row read for an attempt, as its target (the cache updated from what the row brought). */
  const targetOf = (
    messageId: string,
    endpointId: string,
    /** What the cache held when the row was asked for (its version went with the ask). */
    known: EndpointTarget | undefined,
    row: Row | undefined,
  ): AttemptTarget | undefined => {
    if (!row) {
      endpoints.delete(endpointId);
      return undefined;
    }
    let endpoint = known;
    const cached = endpoints.get(endpointId);
    // Several rows of one read bring the same new version: one decoding of the secrets.
    if (cached && cached.version === row.version) endpoint = cached;
    else if (row.url !== null && row.secret !== null) {
      endpoint = {
        version: row.version,
        url: row.url,
        signer: new Webhook(row.secret),
        previousSigner: row.previousSecret ? new Webhook(row.previousSecret) : null,
        previousUntil: row.previousUntilMs ?? 0,
      };
      remember(endpoints, endpointId, endpoint);
    }
    let body = bodies.get(messageId);
    if (body === undefined && row.type !== null && row.data !== null && row.createdAt !== null) {
      body = messageBody({ messageId, type: row.type, data: row.data, createdAt: row.createdAt });
      remember(bodies, messageId, body);
    }
    if (!endpoint || body === undefined) {
      throw new Error('webhook target read returned no endpoint or message');
    }
    return { state: row.state, attempts: row.attempts, enabled: row.enabled, endpoint, body };
  };
  const askFor = (messageId: string, endpointId: string, known: EndpointTarget | undefined) => ({
    messageId,
    endpointId,
    knownVersion: known?.version ?? null,
    needMessage: !bodies.has(messageId),
  });
  return {
    /** The attempt's target, or undefined when its delivery (or endpoint) is gone. */
    async read(messageId: string, endpointId: string): Promise<AttemptTarget | undefined> {
      const known = endpoints.get(endpointId);
      const row = await readRow(askFor(messageId, endpointId, known));
      return targetOf(messageId, endpointId, known, row);
    },
    /** The targets of one endpoint's messages, read together (one statement). */
    async readAll(
      endpointId: string,
      messageIds: readonly string[],
    ): Promise<(AttemptTarget | undefined)[]> {
      const known = endpoints.get(endpointId);
      const rows = await readRow.all(messageIds.map((m) => askFor(m, endpointId, known)));
      return messageIds.map((m, i) => targetOf(m, endpointId, known, rows[i]));
    },
  };
}

export type TargetCache = ReturnType<typeof createTargetCache>;

/** The signers of an attempt made at `at`: the current secret, and the previous one in overlap. */
export function signersAt(endpoint: EndpointTarget, at: Date): Webhook[] {
  return endpoint.previousSigner && endpoint.previousUntil > at.getTime()
    ? [endpoint.signer, endpoint.previousSigner]
    : [endpoint.signer];
}

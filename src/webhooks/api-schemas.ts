import { z } from 'zod';
import { cursorPage, cursorQuery } from '../api/views/job-schemas.ts';
import { int32, TEXT_MAX, timestamp, uuid } from '../jobs/result-schemas.ts';
import { WEBHOOK_EVENTS } from './events.ts';

// The webhook resource's request and answer shapes (docs/api.md "Webhooks"): they type the handlers,
// serialize the answers and write the OpenAPI document.

const URL_MAX = 2048;
const DESCRIPTION_MAX = 500;

const events = z
  .array(z.enum(WEBHOOK_EVENTS))
  .min(1)
  .max(WEBHOOK_EVENTS.length)
  .describe('The events to be told of; each at most once');

export const CreateEndpointBody = z
  .strictObject({
    url: z
      .string()
      .min(1)
      .max(URL_MAX)
      .describe('https; its host must resolve to public addresses only'),
    events: events.optional().describe('Default: every event'),
    description: z.string().max(DESCRIPTION_MAX).optional(),
  })
  .meta({
    id: 'WebhookEndpointCreate',
    example: { url: 'https://hooks.example.com/oc-numbers', events: ['job.completed'] },
  });

export const UpdateEndpointBody = z
  .strictObject({
    url: z.string().min(1).max(URL_MAX).optional(),
    events: events.optional(),
    enabled: z.boolean().optional().describe('true re-enables an endpoint the service disabled'),
    description: z.string().max(DESCRIPTION_MAX).nullable().optional(),
  })
  .meta({ id: 'WebhookEndpointUpdate', example: { enabled: true } });

export const WebhookEndpointSchema = z
  .object({
    id: uuid(),
    url: z.string().max(URL_MAX),
    events: z.array(z.enum(WEBHOOK_EVENTS)).max(WEBHOOK_EVENTS.length),
    description: z.string().max(DESCRIPTION_MAX).nullable(),
    enabled: z.boolean(),
    disabledReason: z
      .enum(['gone', 'failing'])
      .nullable()
      .describe('Why the service disabled it: gone (answered 410), failing (5 days of failures)'),
    createdAt: timestamp(),
    updatedAt: timestamp(),
  })
  .meta({ id: 'WebhookEndpoint' });

export const WebhookEndpointWithSecretSchema = WebhookEndpointSchema.extend({
  secret: z
    .string()
    .max(100)
    .regex(/^whsec_[A-Za-z0-9+/=]+$/)
    .describe('The signing secret (Standard Webhooks); shown only here'),
}).meta({ id: 'WebhookEndpointWithSecret' });

export const WebhookEndpointListSchema = z
  .object({ data: z.array(WebhookEndpointSchema).max(10) })
  .meta({ id: 'WebhookEndpointList' });

export const WebhookDeliverySchema = z
  .object({
    messageId: uuid().describe('The webhook-id header: the same on every attempt'),
    type: z.enum(WEBHOOK_EVENTS),
    jobId: uuid(),
    attempt: int32().describe('Attempts made so far (0: not tried yet)'),
    state: z.enum(['pending', 'succeeded', 'failed']),
    responseStatus: int32().nullable().describe("The last attempt's HTTP status, if it got one"),
    error: z.string().max(TEXT_MAX).nullable(),
    at: timestamp().describe('The last attempt, or when the message was written'),
    nextAttemptAt: timestamp().nullable(),
  })
  .meta({ id: 'WebhookDelivery' });

export const WebhookDeliveryListSchema = cursorPage(
  'WebhookDeliveryList',
  WebhookDeliverySchema,
  100,
);

export const EndpointParams = z.object({ endpointId: uuid() });

export const ListDeliveriesQuery = z.strictObject(cursorQuery(100));

import { pgEnum } from 'drizzle-orm/pg-core';
import { ITEM_OUTCOMES, JOB_STATES, NUMBER_STATUSES } from '../domain/statuses.ts';

// The database's enums, over the domain's lists of values (src/domain/statuses.ts).

export const numberStatus = pgEnum('number_status', NUMBER_STATUSES);
export const apiKeyRole = pgEnum('api_key_role', ['operator', 'admin']);
export const jobState = pgEnum('job_state', JOB_STATES);
export const itemOutcome = pgEnum('item_outcome', ITEM_OUTCOMES);

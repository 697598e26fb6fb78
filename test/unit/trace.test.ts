import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { traceIdFromHeader, traceIdOf } from '../../src/api/http/trace.ts';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

describe('trace ids', () => {
  it('takes the trace id of a valid traceparent', () => {
    expect(traceIdFromHeader(`00-${TRACE}-00f067aa0ba902b7-01`)).toBe(TRACE);
    // A later version may append fields; version 00 may not.
    expect(traceIdFromHeader(`01-${TRACE}-00f067aa0ba902b7-01-extra`)).toBe(TRACE);
  });

  it('ignores invalid ones: version ff, all-zero ids, extra fields on 00, wrong shapes', () => {
    for (const bad of [
      `ff-${TRACE}-00f067aa0ba902b7-01`,
      `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`,
      `00-${TRACE}-${'0'.repeat(16)}-01`,
      `00-${TRACE}-00f067aa0ba902b7-01-extra`,
      `00-${TRACE.toUpperCase()}-00f067aa0ba902b7-01`,
      'garbage',
    ]) {
      expect(traceIdFromHeader(bad)).toBeUndefined();
    }
    expect(traceIdFromHeader(undefined)).toBeUndefined();
    expect(traceIdFromHeader(['a', 'b'])).toBeUndefined();
  });

  it('gives a request one id, generated when the header has none', () => {
    const request = { headers: {} } as IncomingMessage;
    const id = traceIdOf(request);
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(traceIdOf(request)).toBe(id);
    expect(traceIdOf({ headers: {} } as IncomingMessage)).not.toBe(id);
  });
});

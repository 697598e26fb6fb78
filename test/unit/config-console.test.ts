import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { configProblemsOf } from '../support/config.ts';

// The console's session lifetimes (docs/operations.md): 1 h idle and 8 h in all by default,
// at least a minute each, and never an idle end past the absolute one.

describe('console session settings', () => {
  it('defaults to 1 h idle and 8 h in all', () => {
    expect(loadConfig({}).console).toEqual({ sessionIdleMs: 3_600_000, sessionMaxMs: 28_800_000 });
  });

  it('refuses lifetimes under a minute, and an idle time longer than the whole session', () => {
    expect(configProblemsOf({ CONSOLE_SESSION_IDLE_MS: '1000' }).join()).toContain(
      'CONSOLE_SESSION_IDLE_MS',
    );
    expect(configProblemsOf({ CONSOLE_SESSION_MAX_MS: '59999' }).join()).toContain(
      'CONSOLE_SESSION_MAX_MS',
    );
    expect(
      configProblemsOf({ CONSOLE_SESSION_IDLE_MS: '7200000', CONSOLE_SESSION_MAX_MS: '3600000' }),
    ).toEqual(['CONSOLE_SESSION_IDLE_MS must not exceed CONSOLE_SESSION_MAX_MS']);
  });
});

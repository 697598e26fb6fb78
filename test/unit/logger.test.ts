import { describe, expect, it } from 'vitest';
import { prettyTransport } from '../../src/logger.ts';

describe('log format', () => {
  it('is JSON lines when stdout is not a terminal', () => {
    expect(prettyTransport(false)).toBeUndefined();
  });

  it('is pretty on a terminal when pino-pretty is installed', () => {
    expect(prettyTransport(true)?.target).toMatch(/pino-pretty/);
  });

  it('falls back to JSON lines on a terminal without pino-pretty (a production install)', () => {
    const missing = (id: string): string => {
      throw Object.assign(new Error(`Cannot find module '${id}'`), { code: 'MODULE_NOT_FOUND' });
    };
    expect(prettyTransport(true, missing)).toBeUndefined();
  });
});

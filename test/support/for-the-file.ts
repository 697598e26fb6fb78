import { afterAll, beforeAll } from 'vitest';

/**
 * Opens something before a file's tests and closes it after them (vitest hooks), and returns
 * a handle that reads through to it once it exists, plus `extra` members of its own. Reading
 * before `beforeAll` ran throws, instead of quietly giving undefined.
 */
export function forTheFile<T extends object, X extends object = Record<never, never>>(
  open: () => Promise<T>,
  close: (value: T) => Promise<void>,
  extra: X = {} as X,
): T & X {
  let value: T | undefined;
  beforeAll(async () => {
    value = await open();
  });
  afterAll(async () => {
    if (value) await close(value);
  });
  return new Proxy(extra, {
    get(target, key) {
      if (key in target) return Reflect.get(target, key);
      if (!value) {
        if (typeof key === 'symbol') return undefined; // inspection, not use
        throw new Error(`${String(key)} is there from beforeAll on`);
      }
      return Reflect.get(value, key);
    },
  }) as T & X;
}

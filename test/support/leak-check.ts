import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll } from 'vitest';

// Registered for every test file (vitest `setupFiles`): once the file's own afterAll hooks have
// run, every socket, server and child process the file opened must be closed again. (Timers
// are not watched: the test runner's own come and go, which made the count flaky; a timer
// that keeps a connection alive shows up as that connection.) A
// handle that is still there after a short grace period (connections close asynchronously)
// fails the file, naming the kinds that leaked. Counts are compared with what was there before
// the file started, so the test runner's own handles are not counted.

const WATCHED = new Set(['TCPSocketWrap', 'TCPServerWrap', 'TCPWrap', 'ProcessWrap']);
const GRACE_MS = 3000;

function countWatched(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) {
    if (WATCHED.has(kind)) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return counts;
}

function leaked(before: Map<string, number>): string[] {
  const out: string[] = [];
  for (const [kind, count] of countWatched()) {
    const extra = count - (before.get(kind) ?? 0);
    if (extra > 0) out.push(`${extra} × ${kind}`);
  }
  return out;
}

let before = new Map<string, number>();

beforeAll(() => {
  before = countWatched();
});

afterAll(async () => {
  const deadline = Date.now() + GRACE_MS;
  let left = leaked(before);
  while (left.length > 0 && Date.now() < deadline) {
    await sleep(50);
    left = leaked(before);
  }
  if (left.length > 0) {
    throw new Error(`this file left handles open: ${left.join(', ')}`);
  }
}, GRACE_MS + 2000);

// At most `limit` attempts to one endpoint at once in this process, and at most `limit` more
// waiting here for one of those slots; beyond that the caller puts the job back in the queue.
// Waiting here costs nothing while the endpoint answers quickly (a burst of one endpoint's
// messages goes out as fast as its slots free up), while a slow or dead endpoint holds at most
// 2 × `limit` of the worker's slots: everyone else's messages go ahead. A job carrying several
// attempts (queue.ts) enters once, and takes more slots only as `tryEnter` finds them free.

export type Release = () => void;

interface Gate {
  running: number;
  waiting: ((release: Release) => void)[];
}

export function createEndpointGate(limit: number) {
  const gates = new Map<string, Gate>();
  const releaser = (id: string, gate: Gate): Release => {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = gate.waiting.shift();
      // The slot goes straight to the next waiter: `running` stays as it is.
      if (next) next(releaser(id, gate));
      else if (--gate.running === 0) gates.delete(id);
    };
  };
  return {
    /**
     * A slot for an attempt to `endpointId`: at once, or once one is free; undefined when
     * `limit` attempts already wait for it. `always` takes one whatever the count.
     */
    enter(endpointId: string, always = false): Promise<Release> | undefined {
      let gate = gates.get(endpointId);
      if (!gate) {
        gate = { running: 0, waiting: [] };
        gates.set(endpointId, gate);
      }
      if (gate.running < limit || always) {
        gate.running += 1;
        return Promise.resolve(releaser(endpointId, gate));
      }
      if (gate.waiting.length >= limit) return undefined;
      const waiting = gate.waiting;
      return new Promise((resolve) => waiting.push(resolve));
    },
    /**
     * Another slot for a job that holds one already, only if one is free now and nobody waits
     * for it: extra slots never queue ahead of other jobs.
     */
    tryEnter(endpointId: string): Release | undefined {
      const gate = gates.get(endpointId);
      if (!gate || gate.running >= limit || gate.waiting.length > 0) return undefined;
      gate.running += 1;
      return releaser(endpointId, gate);
    },
  };
}

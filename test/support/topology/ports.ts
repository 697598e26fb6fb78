import { freePort } from '../listening.ts';

/** `count` distinct loopback ports nobody listens on right now. */
export async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

/** `host:port,host:port` for the config's list variables. */
export function hostPorts(ports: readonly number[]): string {
  return ports.map((port) => `127.0.0.1:${port}`).join(',');
}

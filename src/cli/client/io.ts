/** A stream the client writes to; `isTTY` decides between a progress bar and plain lines. */
export interface ClientOutput {
  write(text: string): unknown;
  isTTY?: boolean;
}

/**
 * The bulk client's own view of the process: it runs on machines that only reach the HTTP
 * API, so it shares no context (configuration, database) with the service's commands.
 */
export interface ClientIo {
  stdout: ClientOutput;
  stderr: ClientOutput;
  stdin?: NodeJS.ReadableStream;
  /** The environment the client reads its settings from (OCN_API_KEY, OCN_URL, …). */
  env: Record<string, string | undefined>;
}

// A failure the CLI ends on with one line on stderr and a known exit code, never a stack
// trace (runCli in program.ts). Kept free of imports: the bulk client uses it too.

export class CliError extends Error {
  override name = 'CliError';
  readonly exitCode: number;
  constructor(exitCode: number, message: string) {
    super(message);
    this.exitCode = exitCode;
  }
}

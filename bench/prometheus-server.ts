import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort } from '../test/support/listening.ts';
import { waitFor } from '../test/support/wait.ts';

export interface ScrapeJob {
  name: string;
  targets: string[];
  basicAuth?: { username: string; password: string };
}

export interface PrometheusServer {
  url: string;
  /** Templates written here are served at /consoles/<file name>, read at each request. */
  consolesDir: string;
  stop(): Promise<void>;
}

/**
 * Debian's `prometheus` server (the package .ci/run installs for promtool) on a free loopback
 * port, with its data, config and console templates in `dir`.
 */
export async function startPrometheus(options: {
  dir: string;
  jobs: ScrapeJob[];
  ruleFiles: string[];
  intervalSeconds: number;
}): Promise<PrometheusServer> {
  const { dir } = options;
  for (const sub of ['data', 'consoles', 'console_libraries']) mkdirSync(join(dir, sub));
  const scrapeConfigs = options.jobs.map((job, i) => {
    const auth = job.basicAuth && { username: job.basicAuth.username, file: join(dir, `pw-${i}`) };
    if (auth) writeFileSync(auth.file, job.basicAuth?.password ?? '', { mode: 0o600 });
    return {
      job_name: job.name,
      ...(auth && { basic_auth: { username: auth.username, password_file: auth.file } }),
      static_configs: [{ targets: job.targets }],
    };
  });
  const interval = `${options.intervalSeconds}s`;
  writeFileSync(
    join(dir, 'prometheus.yml'),
    stringify({
      global: { scrape_interval: interval, evaluation_interval: interval },
      rule_files: options.ruleFiles,
      scrape_configs: scrapeConfigs,
    }),
  );
  const port = await freePort();
  const child: ChildProcess = spawn(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      `--web.console.templates=${join(dir, 'consoles')}`,
      `--web.console.libraries=${join(dir, 'console_libraries')}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-5000);
  });
  const exited = once(child, 'exit');
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor('Prometheus to be ready', async () => {
      if (child.exitCode !== null) throw new Error(`prometheus exited:\n${log}`);
      const res = await fetch(`${url}/-/ready`).catch(() => undefined);
      return res?.ok || undefined;
    });
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    url,
    consolesDir: join(dir, 'consoles'),
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

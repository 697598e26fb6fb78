import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify as stringifyYaml } from 'yaml';
import { NO_PROMTOOL, PROMTOOL, ROOT, read, run, yamlAt } from '../support/deploy-files.ts';

// The deploy/ files and the compose profile `observability` fit together: there is no Docker
// engine here to run them, so what refers to what is checked by reading them, and promtool
// (Debian's `prometheus` package, installed by .ci/run) checks the config. The alert rules:
// deploy-alerts.test.ts.

if (!PROMTOOL) console.warn(`deploy-config: promtool checks skipped: ${NO_PROMTOOL}`);

const compose = yamlAt('docker-compose.yml');
const services: Record<string, Service> = compose.services;
const prometheusConfig = yamlAt('deploy/prometheus/prometheus.yml');

interface Service {
  image?: string;
  profiles?: string[];
  volumes?: string[];
  secrets?: string[];
  ports?: string[];
  depends_on?: string[] | Record<string, unknown>;
  environment?: Record<string, string>;
}

/** A service's bind mounts: repository path → path in the container. */
function bindMounts(service: Service): Map<string, string> {
  const mounts = new Map<string, string>();
  for (const volume of service.volumes ?? []) {
    const [source = '', target = ''] = volume.split(':');
    if (source.startsWith('./')) mounts.set(source.slice(2), target);
  }
  return mounts;
}

describe('the compose profile `observability`', () => {
  it('runs Prometheus, Grafana and Jaeger in that profile only, leaving the rest as it was', () => {
    for (const name of ['prometheus', 'grafana', 'jaeger']) {
      expect(services[name]?.profiles, name).toEqual(['observability']);
      expect(services[name]?.image, name).toMatch(/:[\w.-]+$/);
    }
    for (const name of ['postgres', 'redis', 'migrate', 'api', 'worker'])
      expect(services[name]?.profiles, name).toBeUndefined();
  });

  it('refers only to files, volumes, secrets and services that exist', () => {
    const declaredVolumes = Object.keys(compose.volumes ?? {});
    for (const [name, service] of Object.entries(services)) {
      for (const source of bindMounts(service).keys())
        expect(existsSync(join(ROOT, source)), `${name} mounts ./${source}`).toBe(true);
      for (const volume of service.volumes ?? []) {
        const [source = ''] = volume.split(':');
        if (!source.startsWith('.') && !source.startsWith('/'))
          expect(declaredVolumes, `${name} uses volume ${source}`).toContain(source);
      }
      for (const secret of service.secrets ?? [])
        expect(compose.secrets?.[secret]?.environment, `${name} secret ${secret}`).toMatch(/^\w+$/);
      const dependsOn = Array.isArray(service.depends_on)
        ? service.depends_on
        : Object.keys(service.depends_on ?? {});
      for (const other of dependsOn) expect(Object.keys(services), name).toContain(other);
    }
  });

  it('gives the API and the workers the OpenTelemetry variables, Jaeger taking OTLP/HTTP', () => {
    for (const name of ['api', 'worker']) {
      const env = services[name]?.environment ?? {};
      // Passed through from the shell, empty (tracing off) unless set: compose's syntax.
      expect(env.OTEL_EXPORTER_OTLP_ENDPOINT, name).toBe(`\${OTEL_EXPORTER_OTLP_ENDPOINT:-}`);
      expect(env.OTEL_SERVICE_NAME, name).toBe(`oc-numbers-${name}`);
    }
    expect(services.jaeger?.image).toMatch(/^jaegertracing\/jaeger:2\./);
    expect(services.jaeger?.ports).toContain('127.0.0.1:4318:4318');
    // The endpoint the docs and the compose header give points at that service and port.
    const docs = read('docs/operations.md');
    expect(docs).toContain('OTEL_EXPORTER_OTLP_ENDPOINT=http://jaeger:4318');
  });
});

describe('Prometheus (deploy/prometheus/prometheus.yml)', () => {
  const job = (name: string) =>
    prometheusConfig.scrape_configs.find((c: { job_name: string }) => c.job_name === name);

  it('scrapes the API on its port with the Bull Board credentials the container is given', () => {
    const api = job('oc-numbers-api');
    expect(api.static_configs).toEqual([{ targets: [`api:${services.api?.environment?.PORT}`] }]);
    const secrets = services.prometheus?.secrets ?? [];
    expect(api.basic_auth).toEqual({
      username_file: '/run/secrets/bull_board_user',
      password_file: '/run/secrets/bull_board_password',
    });
    expect(secrets).toEqual(['bull_board_user', 'bull_board_password']);
    expect(compose.secrets.bull_board_user.environment).toBe('BULL_BOARD_USER');
    expect(compose.secrets.bull_board_password.environment).toBe('BULL_BOARD_PASSWORD');
  });

  it('finds every worker replica on WORKER_METRICS_PORT through DNS', () => {
    const port = Number(services.worker?.environment?.WORKER_METRICS_PORT);
    expect(job('oc-numbers-workers').dns_sd_configs).toEqual([
      expect.objectContaining({ names: ['worker'], type: 'A', port }),
    ]);
    expect(services.worker?.environment?.HOST).toBe('0.0.0.0');
  });

  it('loads the alert rules from where compose mounts them', () => {
    const mounts = bindMounts(services.prometheus ?? {});
    expect(prometheusConfig.rule_files).toEqual([mounts.get('deploy/prometheus/alerts.yml')]);
    expect(mounts.get('deploy/prometheus/prometheus.yml')).toBe('/etc/prometheus/prometheus.yml');
  });

  it.skipIf(!PROMTOOL)('passes promtool check config', async () => {
    // Paths in the container become files of a temporary directory. Debian's promtool (2.42)
    // predates basic_auth username_file (Prometheus 2.50; the compose image is 3.x), so the
    // copy names the user inline.
    const dir = mkdtempSync(join(tmpdir(), 'ocn-prometheus-'));
    try {
      const config = structuredClone(prometheusConfig);
      writeFileSync(join(dir, 'alerts.yml'), read('deploy/prometheus/alerts.yml'));
      writeFileSync(join(dir, 'password'), 'secret');
      config.rule_files = [join(dir, 'alerts.yml')];
      const api = config.scrape_configs.find(
        (c: { job_name: string }) => c.job_name === 'oc-numbers-api',
      );
      api.basic_auth = { username: 'ops', password_file: join(dir, 'password') };
      writeFileSync(join(dir, 'prometheus.yml'), stringifyYaml(config));
      const { stdout } = await run(PROMTOOL as string, [
        'check',
        'config',
        join(dir, 'prometheus.yml'),
      ]);
      expect(stdout).toContain('is valid prometheus config file syntax');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Grafana provisioning (deploy/grafana/provisioning)', () => {
  const grafana = services.grafana ?? {};
  const mounts = bindMounts(grafana);

  it('points its data source at the compose Prometheus', () => {
    const { datasources } = yamlAt('deploy/grafana/provisioning/datasources/prometheus.yml');
    expect(datasources).toEqual([
      expect.objectContaining({ type: 'prometheus', url: 'http://prometheus:9090' }),
    ]);
    expect(services.prometheus?.ports).toContain('127.0.0.1:9090:9090');
    expect(mounts.get('deploy/grafana/provisioning')).toBe('/etc/grafana/provisioning');
  });

  it('loads the dashboard from where compose mounts it, and opens on it', () => {
    const { providers } = yamlAt('deploy/grafana/provisioning/dashboards/oc-numbers.yml');
    const mounted = mounts.get('deploy/grafana/oc-numbers.json') ?? '';
    expect(providers).toEqual([expect.objectContaining({ type: 'file' })]);
    expect(providers[0].options.path).toBe(dirname(mounted));
    expect(grafana.environment?.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH).toBe(mounted);
  });
});

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  githubAnchor,
  headingsOf,
  PROMTOOL,
  ROOT,
  read,
  run,
  yamlAt,
} from '../support/deploy-files.ts';

// Prometheus' alert rules (deploy/prometheus/alerts.yml): the ones the on-call engineer needs,
// each with its runbook section and its unit tests, checked by promtool where it is installed.

describe('the alert rules (deploy/prometheus/alerts.yml)', () => {
  interface Rule {
    alert?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  }
  const alerts: Rule[] = yamlAt('deploy/prometheus/alerts.yml')
    .groups.flatMap((g: { rules: Rule[] }) => g.rules)
    .filter((r: Rule) => r.alert);

  it('cover what the on-call engineer must hear about', () => {
    expect(alerts.map((a) => a.alert).sort()).toEqual([
      'OcnBacklogGrowing',
      'OcnInstanceDown',
      'OcnJobsFailing',
      'OcnNotReady',
      'OcnOldestQueuedJobTooOld',
      'OcnServiceUnavailable',
      'OcnWebhookEndpointDisabled',
    ]);
  });

  it('each say what happened and link a runbook section of docs/operations.md', () => {
    const anchors = new Set(headingsOf(read('docs/operations.md')).map(githubAnchor));
    for (const alert of alerts) {
      expect(alert.labels?.severity, alert.alert).toMatch(/^(warning|critical)$/);
      expect(alert.annotations?.summary, alert.alert).toBeTruthy();
      expect(alert.annotations?.description, alert.alert).toBeTruthy();
      const [file, anchor = ''] = (alert.annotations?.runbook ?? '').split('#');
      expect(file, alert.alert).toBe('docs/operations.md');
      expect(anchors, alert.alert).toContain(anchor);
    }
  });

  it('each have a unit test where they fire and one where they stay silent', () => {
    const tests = yamlAt('deploy/prometheus/alerts.test.yml').tests.flatMap(
      (t: { alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }) =>
        t.alert_rule_test ?? [],
    );
    for (const { alert } of alerts) {
      const cases = tests.filter((t: { alertname: string }) => t.alertname === alert);
      expect(
        cases.some((t: { exp_alerts: unknown[] }) => t.exp_alerts.length > 0),
        alert,
      ).toBe(true);
      expect(
        cases.some((t: { exp_alerts: unknown[] }) => t.exp_alerts.length === 0),
        alert,
      ).toBe(true);
    }
  });

  it.skipIf(!PROMTOOL)('pass promtool check rules and promtool test rules', async () => {
    const rules = join(ROOT, 'deploy/prometheus/alerts.yml');
    const check = await run(PROMTOOL as string, ['check', 'rules', rules]);
    expect(check.stdout).toContain('SUCCESS');
    const tests = await run(PROMTOOL as string, [
      'test',
      'rules',
      join(ROOT, 'deploy/prometheus/alerts.test.yml'),
    ]);
    expect(tests.stdout).toContain('SUCCESS');
  });
});

// `imctl health`'s alerts: what Alertmanager says is firing, asked inside its container with
// its own amtool (in prod its port is not published, and a Docker exec needs no route to it).
// Silenced and inhibited alerts are someone's decision to not be told: they are left out.
//
// Levels: a firing alert of severity critical makes health degraded; a warning is listed but
// ok. Never down: down is what health measures itself on the request path (nginx, backend,
// postgres), and those checks already say so; an alert is Prometheus's view, lagging by its
// `for`. Alertmanager not running, or its answer unreadable, is degraded: nobody can tell
// what is firing (as with an unreadable backup status).
import type { ContainerSummary } from '../docker/dockerOps';
import { portOf } from '../../catalogue';
import type { CheckResult, CheckStatus, FiringAlert, HealthDeps, HealthOptions } from './report';

export type { FiringAlert } from './report';

/** The catalogue service the alerts are read from. */
export const ALERTMANAGER_SERVICE = 'alertmanager';
/** amtool's place in prom/alertmanager (and in our substitute image). */
export const AMTOOL = '/bin/amtool';

/**
 * amtool's command line inside the Alertmanager container. Active alerts only: without a state
 * flag amtool asks for `active=true&silenced=false&inhibited=false`. amtool's own timeout is
 * shorter than the exec's, so it is amtool that says what went wrong.
 */
export function amtoolQuery(timeoutMs: number, url = `http://127.0.0.1:${portOf(ALERTMANAGER_SERVICE)}`): string[] {
  return [AMTOOL, 'alert', 'query', '--output=json', `--alertmanager.url=${url}`, `--timeout=${Math.max(500, Math.floor(timeoutMs * 0.8))}ms`];
}

/** The part of an alert amtool --output=json prints that health reads (Alertmanager API v2 gettableAlert). */
interface AmtoolAlert {
  labels?: Record<string, unknown>;
  annotations?: Record<string, unknown>;
  startsAt?: unknown;
  status?: { state?: unknown; silencedBy?: unknown; inhibitedBy?: unknown };
}

const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const none = (v: unknown): boolean => v === undefined || v === null || (Array.isArray(v) && v.length === 0);

/** Firing alerts from amtool's JSON, suppressed ones removed, the oldest first. Throws on anything else. */
export function parseAmtoolAlerts(json: string): FiringAlert[] {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch {
    throw new Error(`amtool did not print JSON (${json.trim().length} characters)`);
  }
  // amtool prints `null` for no alerts in some versions, `[]` in others.
  if (doc === null) return [];
  if (!Array.isArray(doc)) throw new Error('amtool printed JSON that is not a list of alerts');
  const out: FiringAlert[] = [];
  for (const raw of doc as unknown[]) {
    if (!raw || typeof raw !== 'object') throw new Error('amtool printed a list with something that is not an alert');
    const a = raw as AmtoolAlert;
    const name = text(a.labels?.alertname);
    if (!name) throw new Error('amtool printed an alert without an alertname');
    const st = a.status;
    // Asked for active alerts only; checked again so a changed default cannot show silenced ones.
    if (st && (text(st.state) !== 'active' || !none(st.silencedBy) || !none(st.inhibitedBy))) continue;
    out.push({
      name,
      severity: text(a.labels?.severity) ?? 'none',
      summary: text(a.annotations?.summary) ?? '',
      since: text(a.startsAt) ?? '',
      ...(text(a.annotations?.runbook_url) ? { runbook: text(a.annotations?.runbook_url) } : {}),
    });
  }
  return out.sort((x, y) => x.since.localeCompare(y.since) || x.name.localeCompare(y.name));
}

function message(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}

function alertStatus(a: FiringAlert): CheckStatus {
  return a.severity === 'critical' ? 'degraded' : 'ok';
}

function alertRow(a: FiringAlert, now: Date): CheckResult {
  const started = Date.parse(a.since);
  const age = Number.isNaN(started) ? '' : `, ${Math.max(0, Math.round((now.getTime() - started) / 60_000))} min`;
  return { name: `alert ${a.name}`, status: alertStatus(a), detail: `${a.severity}: ${a.summary || '(no summary)'} (since ${a.since || '?'}${age})` };
}

export interface AlertsOutcome {
  checks: CheckResult[];
  /** The firing alerts, for --json; undefined when they could not be read. */
  alerts?: FiringAlert[];
}

/**
 * The alerts rows: nothing when monitoring is off and no Alertmanager runs; otherwise one row
 * per firing alert, or one `alerts` row (ok when none fire, or why they cannot be read).
 */
export async function alertChecks(containers: readonly ContainerSummary[], deps: HealthDeps, opts: HealthOptions): Promise<AlertsOutcome> {
  const name = 'alerts';
  const ams = containers.filter((c) => c.service === ALERTMANAGER_SERVICE);
  // A deployed Alertmanager is asked even when the config now says off: until the next `up`
  // removes it, what it says is firing is still true.
  if (!opts.monitoring?.enabled && ams.length === 0) return { checks: [] };
  const am = ams.find((c) => c.state === 'running');
  if (!am) {
    const detail = ams.length === 0
      ? 'monitoring is on but there is no alertmanager container (not deployed yet? run `imctl up`): firing alerts cannot be read'
      : `alertmanager is ${ams[0].state}: firing alerts cannot be read (\`imctl start alertmanager\`)`;
    return { checks: [{ name, status: 'degraded', detail }] };
  }
  if (!deps.probes.alertmanagerAlerts) return { checks: [{ name, status: 'skipped', detail: 'alerts cannot be read here' }] };
  let alerts: FiringAlert[];
  try {
    alerts = parseAmtoolAlerts(await deps.probes.alertmanagerAlerts(am.id, opts.timeoutMs));
  } catch (e) {
    return { checks: [{ name, status: 'degraded', detail: `cannot read the firing alerts from ${am.name}: ${message(e)}` }] };
  }
  if (alerts.length === 0) return { checks: [{ name, status: 'ok', detail: 'none firing (silenced and inhibited ones not shown)' }], alerts };
  return { checks: alerts.map((a) => alertRow(a, deps.now())), alerts };
}

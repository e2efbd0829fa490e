// Whether a stack runs the monitoring tier and how many alert receivers it has, read from
// Pulumi.<stack>.yaml without opening the stack (no passphrase): `enabled` is plain config and a
// receiver is counted, never read, so a receiver's secret ({secure: ...}) is never decrypted.
// `imctl health` and `imctl doctor` take the plain MonitoringFacts, so their checks do not
// depend on where the facts come from.
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { environmentFromStack, type Environment } from '../backup/contract';

/** The config key the facts come from (docs/config.md, "Monitoring"). */
export const MONITORING_KEY = 'imstack:monitoring';

export interface MonitoringFacts {
  /** `imstack:monitoring` `enabled`; its default is on in prod, off elsewhere. */
  readonly enabled: boolean;
  /** Entries of `imstack:monitoring` `receivers` (counted, never read: they hold secrets). */
  readonly receiverCount: number;
  /** False when the stack file does not set `enabled` and the environment's default applies. */
  readonly explicit: boolean;
}

/**
 * The default of `monitoring.enabled`: on in the prod environment (issue 14: on in the prod stack
 * file, off in dev). Must agree with readMonitoring in components/config/monitoring.ts (the
 * environment: `imstack:environment`, else the stack name's), which imctl may not import.
 */
export function defaultMonitoringEnabled(environment: Environment): boolean {
  return environment === 'prod';
}

function asBoolean(v: unknown): boolean | undefined {
  // Pulumi stores `config set --path monitoring.enabled true` as a string unless typed.
  if (v === true || v === 'true') return true;
  if (v === false || v === 'false') return false;
  return undefined;
}

/**
 * The facts Pulumi.<stack>.yaml gives; the environment's defaults when there is no stack file;
 * undefined when the file cannot be read or says something that is not a monitoring setting.
 */
export function configuredMonitoring(projectDir: string, stack: string): MonitoringFacts | undefined {
  const file = path.join(projectDir, `Pulumi.${stack}.yaml`);
  const fallback = (env: Environment): MonitoringFacts => ({ enabled: defaultMonitoringEnabled(env), receiverCount: 0, explicit: false });
  if (!fs.existsSync(file)) return fallback(environmentFromStack(stack));
  try {
    const doc = parse(fs.readFileSync(file, 'utf8')) as { config?: Record<string, unknown> } | null;
    const c = doc?.config ?? {};
    const rawEnv = c['imstack:environment'];
    const environment: Environment = rawEnv === 'prod' || rawEnv === 'dev' ? rawEnv : environmentFromStack(stack);
    const section = c[MONITORING_KEY];
    if (section !== undefined && section !== null && (typeof section !== 'object' || Array.isArray(section))) return undefined;
    const m = (section ?? {}) as Record<string, unknown>;
    // Nested only, as parseConfig's Reader reads it (and `pulumi config set --path` writes it).
    const rawEnabled = m.enabled;
    const receivers = m.receivers;
    if (receivers !== undefined && receivers !== null && !Array.isArray(receivers)) return undefined;
    const receiverCount = Array.isArray(receivers) ? receivers.length : 0;
    if (rawEnabled === undefined || rawEnabled === null) return { ...fallback(environment), receiverCount };
    const enabled = asBoolean(rawEnabled);
    return enabled === undefined ? undefined : { enabled, receiverCount, explicit: true };
  } catch {
    return undefined;
  }
}

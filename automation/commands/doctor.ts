// imctl doctor: is this machine ready to run imstack? Each problem comes with its fix.
import * as fs from 'fs';
import * as path from 'path';
import { formatBytes, parseSize } from '../cli/duration';
import { renderTable } from '../cli/table';
import type { Ctx } from '../context';
import { ExitCode, ImctlError } from '../errors';
import { configuredMonitoring, MONITORING_KEY, type MonitoringFacts } from '../health/monitoringConfig';
import { configuredEngine, engineWarnings, MIGRATION_DOC } from '../health/objectStoreEngine';
import { NO_RECEIVER_PROBLEM } from '../../monitoring/prometheus/receivers';
import { chooseBackend } from '../pulumi/backend';
import { INSTALL_HINT } from '../pulumi/hints';
import { describePassphraseSource, PASSPHRASE_HINT } from '../pulumi/passphrase';
import type { CommandDef, Flags } from './factory';

export type DoctorStatus = 'ok' | 'warn' | 'fail';
export interface DoctorCheck {
  name: string;
  status: DoctorStatus;
  detail: string;
  fix?: string;
}

const MIN_NODE = [20, 19] as const;

function nodeCheck(version: string): DoctorCheck {
  const [major, minor] = version.split('.').map(Number);
  const ok = major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1]);
  return ok
    ? { name: 'node', status: 'ok', detail: `Node ${version}` }
    : { name: 'node', status: 'fail', detail: `Node ${version} is older than ${MIN_NODE.join('.')}`, fix: 'install Node 20.19 or newer (https://nodejs.org, or your distribution\'s nodesource packages)' };
}

async function pulumiCheck(ctx: Ctx): Promise<DoctorCheck> {
  let version: string | null;
  try {
    version = await ctx.deps.pulumi.version();
  } catch (e) {
    return { name: 'pulumi', status: 'fail', detail: (e instanceof Error ? e.message : String(e)).split('\n')[0], fix: INSTALL_HINT };
  }
  if (version) return { name: 'pulumi', status: 'ok', detail: `Pulumi CLI ${version}` };
  try {
    if (await ctx.offerPulumiInstall()) {
      const installed = await ctx.deps.pulumi.version();
      return { name: 'pulumi', status: 'ok', detail: `Pulumi CLI ${installed ?? 'installed'}` };
    }
  } catch (e) {
    return { name: 'pulumi', status: 'fail', detail: e instanceof ImctlError ? e.message : String(e), fix: INSTALL_HINT };
  }
  return { name: 'pulumi', status: 'fail', detail: 'Pulumi CLI not installed (no `pulumi` on PATH)', fix: INSTALL_HINT };
}

async function dockerCheck(ctx: Ctx): Promise<DoctorCheck> {
  try {
    await ctx.deps.docker.ping();
    const v = await ctx.deps.docker.version();
    return { name: 'docker', status: 'ok', detail: `Docker engine ${v.version} (API ${v.apiVersion})` };
  } catch (e) {
    const err = e instanceof ImctlError ? e : undefined;
    return { name: 'docker', status: 'fail', detail: err?.message ?? String(e), fix: err?.hint ?? 'start the Docker engine and check DOCKER_HOST' };
  }
}

function passphraseCheck(ctx: Ctx): DoctorCheck {
  const env = ctx.deps.env;
  const source = describePassphraseSource(env);
  if (env.PULUMI_CONFIG_PASSPHRASE === undefined && env.PULUMI_CONFIG_PASSPHRASE_FILE) {
    try {
      fs.accessSync(env.PULUMI_CONFIG_PASSPHRASE_FILE, fs.constants.R_OK);
    } catch {
      return { name: 'passphrase', status: 'fail', detail: `PULUMI_CONFIG_PASSPHRASE_FILE ${env.PULUMI_CONFIG_PASSPHRASE_FILE} is not readable`, fix: 'point it at a readable file holding the passphrase' };
    }
  }
  if (source) {
    if (env.PULUMI_CONFIG_PASSPHRASE === '') return { name: 'passphrase', status: 'warn', detail: 'PULUMI_CONFIG_PASSPHRASE is empty: stack secrets are only obscured', fix: 'use a real passphrase for anything but local trials' };
    return { name: 'passphrase', status: 'ok', detail: `from ${source}` };
  }
  if (ctx.deps.prompter.interactive) return { name: 'passphrase', status: 'warn', detail: 'not set; imctl will ask for it on this terminal', fix: PASSPHRASE_HINT };
  return { name: 'passphrase', status: 'fail', detail: 'not set, and there is no terminal to ask on', fix: PASSPHRASE_HINT };
}

function objectStoreCheck(ctx: Ctx): DoctorCheck {
  const choice = configuredEngine(ctx.deps.projectDir, ctx.stack);
  if (!choice) return { name: 'object store', status: 'warn', detail: `Pulumi.${ctx.stack}.yaml names no known objectStore.engine`, fix: 'set objectStore.engine to seaweedfs, minio or external (docs/config.md)' };
  const [warning] = engineWarnings(choice);
  if (warning) return { name: 'object store', status: 'warn', detail: warning, fix: `migrate to seaweedfs: ${MIGRATION_DOC}` };
  if (!choice.explicit) {
    return { name: 'object store', status: 'warn', detail: `objectStore.engine not set: ${choice.engine} (the default)`, fix: `a stack deployed before on MinIO must set objectStore.engine minio before its next up (${MIGRATION_DOC})` };
  }
  return { name: 'object store', status: 'ok', detail: choice.engine };
}

/** Where the receivers are described; the fix points there. */
export const RECEIVERS_DOC = 'docs/config.md#monitoring';

/**
 * "alert receivers": with monitoring on and no receiver, Alertmanager has nowhere to send an
 * alert (the rendered config routes to a null receiver), so nobody hears of one. A warning, not a
 * failure: a stack without receivers runs, and `imctl health` still lists what fires.
 */
export function alertReceiversCheck(facts: MonitoringFacts | undefined, stack: string): DoctorCheck {
  const name = 'alert receivers';
  if (!facts) return { name, status: 'warn', detail: `cannot read ${MONITORING_KEY} from Pulumi.${stack}.yaml`, fix: `make ${MONITORING_KEY} an object with enabled and a receivers list (${RECEIVERS_DOC})` };
  if (!facts.enabled) return { name, status: 'ok', detail: `monitoring is off${facts.explicit ? '' : ' (the default outside prod)'}: no alerts to send` };
  if (facts.receiverCount === 0) {
    return {
      name, status: 'warn', detail: NO_RECEIVER_PROBLEM,
      fix: `add one under ${MONITORING_KEY}.receivers in Pulumi.${stack}.yaml (kind webhook: name, url; kind email: name, to, from, smarthost), ` +
        `its token or password as a secret: pulumi config set --secret --path 'monitoring.receivers[0].token' <token> (${RECEIVERS_DOC})`,
    };
  }
  return { name, status: 'ok', detail: `${facts.receiverCount} configured` };
}

function projectCheck(ctx: Ctx): DoctorCheck[] {
  const dir = ctx.deps.projectDir;
  const out: DoctorCheck[] = [];
  if (!fs.existsSync(path.join(dir, 'Pulumi.yaml'))) {
    out.push({ name: 'project', status: 'fail', detail: `no Pulumi.yaml in ${dir}`, fix: 'run imctl from the imstack checkout, or set IMSTACK_PROJECT_DIR' });
  } else if (!fs.existsSync(path.join(dir, `Pulumi.${ctx.stack}.yaml`))) {
    out.push({ name: 'project', status: 'warn', detail: `no Pulumi.${ctx.stack}.yaml: stack ${ctx.stack} uses defaults only`, fix: 'copy Pulumi.dev.yaml, or pick a stack with --stack' });
  } else {
    out.push({ name: 'project', status: 'ok', detail: `${dir}, stack ${ctx.stack}` });
  }
  const backend = chooseBackend(dir, ctx.deps.env);
  if (backend.localDir) {
    const parent = fs.existsSync(backend.localDir) ? backend.localDir : path.dirname(backend.localDir);
    try {
      fs.accessSync(parent, fs.constants.W_OK);
      out.push({ name: 'state backend', status: 'ok', detail: backend.url });
    } catch {
      out.push({ name: 'state backend', status: 'fail', detail: `${backend.localDir} is not writable`, fix: 'fix its permissions, or set PULUMI_BACKEND_URL' });
    }
  } else {
    out.push({ name: 'state backend', status: 'ok', detail: backend.url });
  }
  return out;
}

async function diskChecks(ctx: Ctx, minFree: number, dockerOk: boolean): Promise<DoctorCheck[]> {
  const places: Array<[string, string]> = [['disk project', ctx.deps.projectDir]];
  if (dockerOk) {
    try {
      places.push(['disk docker', await ctx.deps.docker.dataRoot()]);
    } catch {
      // Reported by the docker check already.
    }
  }
  const out: DoctorCheck[] = [];
  for (const [name, p] of places) {
    const space = await ctx.deps.probes.disk(p);
    if (!space) out.push({ name, status: 'warn', detail: `${p}: cannot measure (not on this machine)` });
    else if (space.freeBytes < minFree) out.push({ name, status: 'warn', detail: `${p}: ${formatBytes(space.freeBytes)} free`, fix: `free space (docker system prune, old backups): at least ${formatBytes(minFree)} recommended` });
    else out.push({ name, status: 'ok', detail: `${p}: ${formatBytes(space.freeBytes)} free` });
  }
  return out;
}

export interface DoctorOptions {
  /** Warn below this much free disk. */
  minFreeBytes: number;
}

export interface DoctorResult {
  ok: boolean;
  checks: DoctorCheck[];
}

export function doctorOptions(flags: Flags): DoctorOptions {
  return { minFreeBytes: parseSize(String(flags.minFree), '--min-free') };
}

export async function runDoctor(ctx: Ctx, opts: DoctorOptions): Promise<DoctorResult> {
  const checks: DoctorCheck[] = [nodeCheck(ctx.deps.nodeVersion), await pulumiCheck(ctx)];
  const docker = await dockerCheck(ctx);
  checks.push(docker, passphraseCheck(ctx), ...projectCheck(ctx), objectStoreCheck(ctx), alertReceiversCheck(configuredMonitoring(ctx.deps.projectDir, ctx.stack), ctx.stack), ...(await diskChecks(ctx, opts.minFreeBytes, docker.status === 'ok')));
  const failed = checks.some((c) => c.status === 'fail');
  ctx.exitCode = failed ? ExitCode.DEGRADED : ExitCode.OK;
  if (ctx.out.json) return { ok: !failed, checks };
  const paint = { ok: 'green', warn: 'yellow', fail: 'red' } as const;
  ctx.out.line(renderTable(['CHECK', 'STATUS', 'DETAIL'], checks.map((c) => [c.name, ctx.out.paint(paint[c.status], c.status), c.detail])));
  const fixes = checks.filter((c) => c.fix && c.status !== 'ok');
  if (fixes.length) {
    ctx.out.line('');
    ctx.out.line('To fix:');
    for (const c of fixes) ctx.out.line(`  ${c.name}: ${c.fix}`);
  }
  ctx.out.line('');
  ctx.out.line(failed ? 'doctor: problems found (exit 1)' : 'doctor: ready');
  return { ok: !failed, checks };
}

export const doctorCommand: CommandDef = {
  register: (program, f) =>
    program
      .command('doctor')
      .description('check this machine: Node, Pulumi CLI, Docker engine, passphrase, project, object-store engine, alert receivers, disk space; each problem with its fix')
      .option('--min-free <size>', 'warn below this much free disk', '2GiB')
      .action(f.action((ctx, _args, flags) => runDoctor(ctx, doctorOptions(flags)))),
};

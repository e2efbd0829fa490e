// imctl admin grant <user> | revoke <user> | list
// The admin role is an operator's act, never a name someone registers first. imctl runs the
// backend's own admin command inside a running backend container (Docker exec), where the
// database settings already are: no credential passes through imctl or a command line, and
// the backend that owns the schema does the change. It takes effect on the user's next request.
import type { ExecFactory } from '../jobClient/factory';
import { renderTable } from '../cli/table';
import type { Ctx } from '../context';
import type { ContainerSummary } from '../docker/dockerOps';
import { OperationFailedError, UsageError } from '../errors';
import { compareStartOrder } from '../services';
import type { CommandDef } from './factory';

/** The command the backend image provides (apps/backend/src/admin-cli.ts, built to /app/dist). */
export const ADMIN_CLI = ['node', '/app/dist/admin-cli.js'] as const;

/** Exit codes of the admin command (apps/backend/src/admin-cli.ts). */
const CLI_REFUSED = 1;
const CLI_CONFIG = 2;

interface CliFailure {
  ok: false;
  error: string;
  message: string;
}
type CliAnswer = { ok: true; result: unknown } | CliFailure;

export interface RoleChange {
  username: string;
  role: 'admin' | 'user';
  changed: boolean;
}

export interface AdminEntry {
  username: string;
  displayName: string;
  createdAt: string;
}

/** The first running backend replica; the admin command works from any of them. */
async function backendContainer(ctx: Ctx): Promise<ContainerSummary> {
  const backends = (await ctx.containers()).filter((c) => c.service === 'backend').sort(compareStartOrder);
  const running = backends.find((c) => c.state === 'running');
  if (running) return running;
  throw new OperationFailedError(
    backends.length ? `no backend container of stack ${ctx.stack} is running (${backends.map((b) => `${b.name}: ${b.state}`).join(', ')})` : `stack ${ctx.stack} has no backend container`,
    { hint: backends.length ? 'start one with `imctl start backend`' : 'deploy it with `imctl up`' },
  );
}

/**
 * Runs the admin command with `args` and returns its result. Its output is JSON we define
 * (usernames, display names, error texts that never carry secrets), and imctl's output still
 * passes the redactor, which masks URL passwords.
 */
export async function runAdminCli(ctx: Ctx, exec: ReturnType<ExecFactory>, args: readonly string[]): Promise<unknown> {
  const backend = await backendContainer(ctx);
  const stdout: string[] = [];
  const stderr: string[] = [];
  ctx.out.debug(`exec in ${backend.name}: ${[...ADMIN_CLI, ...args].join(' ')}`);
  const code = await exec.run(backend.id, [...ADMIN_CLI, ...args], { stdin: false }, (line) => {
    (line.stream === 'stdout' ? stdout : stderr).push(line.text);
    if (line.stream === 'stderr') ctx.out.debug(`  [backend] ${line.text}`);
  });
  let answer: CliAnswer | undefined;
  for (const l of [...stdout].reverse()) {
    try {
      answer = JSON.parse(l) as CliAnswer;
      break;
    } catch {
      // Not the answer line.
    }
  }
  if (!answer) {
    if (/Cannot find module/.test(stderr.join('\n'))) {
      throw new OperationFailedError(`the backend image of ${backend.name} has no admin command (${ADMIN_CLI[1]})`, {
        hint: 'imctl admin needs the reference backend image, or one that provides the same command (docs/app-contract.md)',
      });
    }
    throw new OperationFailedError(`the admin command in ${backend.name} exited ${code} without an answer`, { hint: 'rerun with --verbose for its stderr' });
  }
  if (answer.ok) return answer.result;
  if (code === CLI_REFUSED) throw new UsageError(answer.message, { hint: answer.error === 'not_found' ? 'the user must register first; `imctl admin list` shows the admins' : undefined });
  throw new OperationFailedError(`the admin command in ${backend.name} failed: ${answer.message}`, {
    hint: code === CLI_CONFIG ? `the container's configuration is invalid: see \`imctl logs ${backend.service}\`` : 'check the database with `imctl health`',
  });
}

export interface AdminUserOptions {
  /** The user, as they registered. */
  username: string;
}

export async function runGrant(ctx: Ctx, opts: AdminUserOptions, exec: ExecFactory): Promise<RoleChange> {
  const r = (await runAdminCli(ctx, exec(), ['grant', opts.username])) as RoleChange;
  ctx.out.line(r.changed ? `${r.username} is now an admin on stack ${ctx.stack}.` : `${r.username} already is an admin on stack ${ctx.stack}; nothing changed.`);
  return r;
}

export async function runRevoke(ctx: Ctx, opts: AdminUserOptions, exec: ExecFactory): Promise<RoleChange> {
  await ctx.confirm(`Revoke the admin role of ${opts.username} on stack ${ctx.stack}? They keep their account but lose the admin pages and API at once.`);
  const r = (await runAdminCli(ctx, exec(), ['revoke', opts.username])) as RoleChange;
  ctx.out.line(r.changed ? `${r.username} is no longer an admin on stack ${ctx.stack}.` : `${r.username} was not an admin on stack ${ctx.stack}; nothing changed.`);
  return r;
}

export async function runList(ctx: Ctx, exec: ExecFactory): Promise<{ admins: AdminEntry[] }> {
  const { admins } = (await runAdminCli(ctx, exec(), ['list'])) as { admins: AdminEntry[] };
  if (admins.length === 0) ctx.out.line(`Stack ${ctx.stack} has no admins; grant one with \`imctl admin grant <username>\`.`);
  // Display names are whatever users typed: no control characters reach the terminal.
  const shown = (s: string) => s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  if (admins.length) ctx.out.line(renderTable(['USERNAME', 'DISPLAY NAME', 'REGISTERED'], admins.map((a) => [a.username, shown(a.displayName), a.createdAt.slice(0, 19).replace('T', ' ')])));
  return { admins };
}

export const adminCommand: CommandDef = {
  register(program, f) {
    const admin = program.command('admin').description('grant, revoke and list the admin role (the only way anyone becomes an admin)');
    admin
      .command('grant')
      .description('make a registered user an admin (effective on their next request)')
      .argument('<username>', 'the user, as they registered')
      .action(f.action((ctx, args) => runGrant(ctx, { username: args[0] }, f.exec)));
    admin
      .command('revoke')
      .description('take the admin role away (asks first unless --yes; effective on their next request)')
      .argument('<username>', 'the admin to demote to a plain user')
      .action(f.action((ctx, args) => runRevoke(ctx, { username: args[0] }, f.exec)));
    admin
      .command('list')
      .description('list the admins')
      .action(f.action((ctx) => runList(ctx, f.exec)));
    return admin;
  },
};

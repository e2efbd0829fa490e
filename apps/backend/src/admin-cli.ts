// The operator's way to give or take the admin role: `imctl admin grant|revoke|list` runs this
// inside a backend container (`node /app/dist/admin-cli.js <command> [username]`), where the
// database settings already are, so no credential travels in a command line. Registering a
// username never makes anyone an admin.
//
// Output: exactly one JSON line on stdout, {"ok":true,"result":...} or
// {"ok":false,"error":<code>,"message":...}. Exit codes: 0 done, 1 the request was wrong
// (usage, bad_username, not_found), 2 the container's configuration is invalid, 3 the
// database failed (unavailable, or not migrated yet).
import type { Pool } from 'pg';
import { ConfigError, loadConfig } from './config';
import { createPool, isDatabaseUnavailable } from './db';
import { isValidUsername, USERNAME_RULE, UserRepository, type Role } from './users';

export const ADMIN_CLI_USAGE = 'usage: admin-cli.js grant <username> | revoke <username> | list';

export type AdminCliAnswer =
  | { readonly ok: true; readonly result: unknown }
  | { readonly ok: false; readonly error: string; readonly message: string };

const fail = (error: string, message: string): AdminCliAnswer => ({ ok: false, error, message });

const EXIT: Record<string, number> = { usage: 1, bad_username: 1, not_found: 1, config: 2, unavailable: 3, database: 3 };

export async function runAdminCommand(pool: Pool, args: readonly string[]): Promise<AdminCliAnswer> {
  const [command, username, ...rest] = args;
  const users = new UserRepository(pool);
  if (command === 'list' && username === undefined) return { ok: true, result: { admins: await users.admins() } };
  if ((command !== 'grant' && command !== 'revoke') || username === undefined || rest.length > 0) return fail('usage', ADMIN_CLI_USAGE);
  if (!isValidUsername(username)) return fail('bad_username', `"${username}" is not a username (${USERNAME_RULE})`);
  const role: Role = command === 'grant' ? 'admin' : 'user';
  const done = await users.setRole(username, role);
  if (!done) return fail('not_found', `no user named "${username}": they must register first`);
  return { ok: true, result: { username, role, changed: done.changed } };
}

function describeDatabaseError(err: unknown): AdminCliAnswer {
  if (isDatabaseUnavailable(err)) return fail('unavailable', 'the database is unavailable, try again shortly');
  // 42P01: the backend has not run its migrations against this database yet.
  if ((err as { code?: string }).code === '42P01') return fail('database', 'the users table does not exist yet: start the backend once so it migrates the schema');
  const text = String((err as Error)?.message ?? err).split('\n')[0].replace(/\/\/[^@/\s]*@/g, '//***@');
  return fail('database', `database error: ${text.slice(0, 200)}`);
}

export async function main(args: readonly string[]): Promise<number> {
  let answer: AdminCliAnswer;
  try {
    const config = loadConfig();
    const pool = createPool(config.databaseUrl, { warn: () => undefined });
    try {
      answer = await runAdminCommand(pool, args);
    } catch (err) {
      answer = describeDatabaseError(err);
    } finally {
      await pool.end().catch(() => undefined);
    }
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    answer = fail('config', err.problems.join('; '));
  }
  process.stdout.write(`${JSON.stringify(answer)}\n`);
  return answer.ok ? 0 : EXIT[answer.error] ?? 3;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      process.stdout.write(`${JSON.stringify(fail('internal', String((err as Error)?.message ?? err).split('\n')[0]))}\n`);
      process.exit(3);
    },
  );
}

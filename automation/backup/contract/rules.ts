// The single definition of facts the program (components/), imctl (automation/) and the job
// engine (this folder) all rely on. Lives in the engine's folder because the job image is built
// from it alone; imports nothing, so the program and imctl can import it without pulling in the
// engine.

/**
 * A valid stack name. The job's own rule (it names archives `backup_<stack>_…` and parses them
 * back), so a name the program and imctl accept is never refused by the job at start-up.
 */
export const STACK_NAME_PATTERN = /^[a-z0-9][a-z0-9-]*$/;
/** What STACK_NAME_PATTERN allows, in words, for error messages and hints. */
export const STACK_NAME_RULE = 'lowercase letters, digits and dashes';

export function isStackName(name: string): boolean {
  return STACK_NAME_PATTERN.test(name);
}

export type Environment = 'dev' | 'prod';

/** The environment a stack name implies: names starting with "prod" are prod, the rest dev. */
export function environmentFromStack(stack: string): Environment {
  return /^prod/i.test(stack) ? 'prod' : 'dev';
}

/**
 * Whether a stack gets production's stricter confirmations: its deployed environment says prod,
 * or its name implies prod (the environment the config gives it unless told otherwise).
 */
export function isProduction(stack: string, environment?: unknown): boolean {
  return environment === 'prod' || environmentFromStack(stack) === 'prod';
}

/** The backups volume inside the job container. */
export const BACKUPS_DIR = '/backups';
/** Where the compiled engine lives in the job image (Dockerfile: CMD and HEALTHCHECK). */
export const JOB_MAIN = '/opt/imstack-backup/dist/main.js';
/**
 * The job's status file in the backups volume: written as the job starts (the program's
 * healthcheck tests for it) and after every run (`main.js status` reads it).
 */
export const STATUS_FILE = 'status.json';
/** Host copies land in the backups volume under `<INCOMING_DIR>/<token>/<name>` until the job has verified them. */
export const INCOMING_DIR = '.incoming';
/** Where the job container has the Docker engine's socket (the program mounts it there). */
export const DOCKER_SOCKET = '/var/run/docker.sock';

/** The folder in the nginx container that holds the maintenance flag. */
export const MAINTENANCE_DIR = '/var/lib/imstack/maintenance';
/** The file nginx checks on every request: while it exists, users get the 503 maintenance page. */
export const MAINTENANCE_FLAG = `${MAINTENANCE_DIR}/on`;

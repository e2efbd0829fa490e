// The contract between the backup job container and everything outside it (the program that
// deploys it, imctl that execs into it): environment, events, results, exit codes, and the
// shared rules. Imports only Node built-ins, so the job image (built from automation/backup
// alone) and both outside sides can import it.
export * from './env';
export * from './events';
export * from './exitCodes';
export * from './rules';
export * from './secretEnv';
export * from './metrics';

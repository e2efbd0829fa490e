// Variables that hold a credential whenever they are set, in any image the stack runs. None may
// be in a container's configured environment (docs/conventions.md, Secrets): the unit tests
// check the program's inputs against it, the live tests what `docker inspect` shows.
export const SECRET_VARIABLES: readonly string[] = [
  'POSTGRES_PASSWORD', 'MINIO_ROOT_PASSWORD', 'MINIO_SECRET_KEY', 'DATABASE_URL', 'REDIS_URL', 'S3_SECRET_KEY', 'JWT_SECRET',
  'JWT_SECRET_PREVIOUS', 'PGPASSWORD', 'BACKUP_KEY', 'BACKUP_PREVIOUS_KEYS', 'REDIS_PASSWORD', 'REDISCLI_AUTH',
  'REMOTE_S3_SECRET_KEY', 'MC_HOST_imstack', 'APP_SECRET_KEY', 'BACKUP_SECRET_KEY',
];

// Docker Engine failures as imctl errors: connection problems mean the engine is
// unreachable (exit 8); anything else is a failed operation naming Docker's reason.
import { DockerUnreachableError, OperationFailedError } from '../errors';

const UNREACHABLE_CODES = new Set(['ENOENT', 'ECONNREFUSED', 'EACCES', 'EPERM', 'ETIMEDOUT', 'EHOSTUNREACH', 'ECONNRESET']);

export function dockerFailure(e: unknown, what: string): Error {
  const err = e as { code?: string; statusCode?: number; json?: { message?: string }; message?: string };
  if (err.code && UNREACHABLE_CODES.has(err.code)) {
    return new DockerUnreachableError(`cannot reach the Docker engine (${err.code})`, {
      hint: 'start it (systemctl start docker), check DOCKER_HOST, or your access to /var/run/docker.sock',
      cause: e,
    });
  }
  const reason = err.json?.message ?? err.message ?? String(e);
  return new OperationFailedError(`${what}: ${reason.trim()}`, { cause: e });
}

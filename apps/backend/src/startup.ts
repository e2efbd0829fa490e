// Waits for a dependency during start-up: in a fresh stack postgres, redis and MinIO may still be
// starting when the backend comes up, so transient failures are retried until a deadline.

export async function retryUntil<T>(what: string, deadlineMs: number, log: { warn(obj: object, msg: string): void }, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  let delay = 250;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const msg = String((err as Error)?.message ?? err).replace(/\/\/[^@/\s]*@/g, '//***@');
      if (Date.now() - started + delay > deadlineMs) throw new Error(`${what} not reachable after ${Math.round((Date.now() - started) / 1000)} s: ${msg}`);
      log.warn({ attempt }, `${what} not ready yet: ${msg}`);
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 3000);
    }
  }
}

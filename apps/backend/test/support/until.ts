/** Polls `fn` until it returns a value, at most `tries` times `everyMs` apart. */
export async function until<T>(what: string, tries: number, everyMs: number, fn: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`gave up waiting for ${what} after ${tries} tries`);
}

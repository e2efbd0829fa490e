// Ctrl-C handling: the first SIGINT aborts the running operation through an AbortSignal
// (Pulumi cancels gracefully and releases its lock); a second one exits at once with 130.

export interface InterruptSource {
  /** Calls handler on each interrupt until the returned function is called. */
  subscribe(handler: () => void): () => void;
  /** Immediate exit for the second interrupt. */
  exitNow(code: number): void;
}

export const processInterrupts: InterruptSource = {
  subscribe(handler) {
    process.on('SIGINT', handler);
    return () => process.off('SIGINT', handler);
  },
  exitNow(code) {
    process.exit(code);
  },
};

export interface Interruptible {
  signal: AbortSignal;
  dispose(): void;
}

export function interruptible(source: InterruptSource, notice: (text: string) => void, what: string): Interruptible {
  const controller = new AbortController();
  let count = 0;
  const unsubscribe = source.subscribe(() => {
    count++;
    if (count === 1) {
      notice(`interrupt: cancelling ${what} gracefully (Ctrl-C again to exit immediately)`);
      controller.abort();
    } else {
      source.exitNow(130);
    }
  });
  return { signal: controller.signal, dispose: unsubscribe };
}

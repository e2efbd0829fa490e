// Times the object storage calls the backend makes, without touching the call sites: a proxy
// over the minio client that observes the five operations we use. Calls minio makes internally
// run on the real client and are not counted twice.
import type * as Minio from 'minio';
import type { BackendMetrics, S3Operation } from './registry';

const OPERATIONS: ReadonlyMap<string, S3Operation> = new Map([
  ['putObject', 'put'],
  ['getObject', 'get'],
  ['statObject', 'stat'],
  ['removeObject', 'remove'],
  ['bucketExists', 'bucket_exists'],
]);

type AsyncMethod = (...args: unknown[]) => Promise<unknown>;

export function instrumentObjectClient(client: Minio.Client, metrics: BackendMetrics): Minio.Client {
  const wrapped = new Map<string, AsyncMethod>();
  return new Proxy(client, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      const operation = typeof prop === 'string' ? OPERATIONS.get(prop) : undefined;
      if (!operation || typeof value !== 'function') return value;
      let fn = wrapped.get(operation);
      if (!fn) {
        const method = value as AsyncMethod;
        fn = async (...args: unknown[]) => {
          const started = process.hrtime.bigint();
          const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
          try {
            const result = await method.apply(target, args);
            metrics.observeS3(operation, 'ok', seconds());
            return result;
          } catch (err) {
            metrics.observeS3(operation, 'error', seconds());
            throw err;
          }
        };
        wrapped.set(operation, fn);
      }
      return fn;
    },
  });
}

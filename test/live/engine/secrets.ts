// Pulumi's secret signature as it travels through mocks: inputs arrive wrapped, and a
// value returned wrapped stays secret downstream.
import * as pulumi from '@pulumi/pulumi';

export interface SecretWrapped {
  readonly value: unknown;
}

export function isSecretWrapped(v: unknown): v is SecretWrapped {
  return typeof v === 'object' && v !== null && (v as Record<string, unknown>)[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig;
}

/** Deep copy with every secret signature replaced by its plain value. */
export function unwrapSecrets<T = unknown>(v: unknown): T {
  if (isSecretWrapped(v)) return unwrapSecrets<T>(v.value);
  if (Array.isArray(v)) return v.map((x) => unwrapSecrets(x)) as unknown as T;
  if (typeof v === 'object' && v !== null) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrapSecrets(x)])) as T;
  }
  return v as T;
}

export function containsSecret(v: unknown): boolean {
  if (isSecretWrapped(v)) return true;
  if (Array.isArray(v)) return v.some(containsSecret);
  if (typeof v === 'object' && v !== null) return Object.values(v).some(containsSecret);
  return false;
}

export function wrapSecret(value: unknown): Record<string, unknown> {
  return { [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig, value };
}

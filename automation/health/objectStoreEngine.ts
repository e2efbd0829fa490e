// Which object-store engine a stack file names, for `imctl doctor` and `imctl preview`: read
// from Pulumi.<stack>.yaml without opening the stack (no passphrase), since the engine is not
// a secret. The warnings point at the one migration procedure.
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { DEFAULT_OBJECT_STORE_ENGINE, MINIO_ARCHIVED_WARNING, OBJECT_STORE_ENGINES, ObjectStoreEngine } from '../../catalogue';

export const MIGRATION_DOC = 'docs/operations.md, "Migrating from MinIO"';

export interface EngineChoice {
  readonly engine: ObjectStoreEngine;
  /** False when the stack file does not name one and the default applies. */
  readonly explicit: boolean;
}

/** The engine Pulumi.<stack>.yaml names, the default when it names none, undefined when unreadable. */
export function configuredEngine(projectDir: string, stack: string): EngineChoice | undefined {
  const file = path.join(projectDir, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file)) return { engine: DEFAULT_OBJECT_STORE_ENGINE, explicit: false };
  try {
    const doc = parse(fs.readFileSync(file, 'utf8')) as { config?: Record<string, unknown> } | null;
    const c = doc?.config ?? {};
    const obj = c['imstack:objectStore'] as { engine?: unknown } | undefined;
    const raw = c['imstack:objectStore.engine'] ?? obj?.engine;
    if (raw === undefined) return { engine: DEFAULT_OBJECT_STORE_ENGINE, explicit: false };
    return (OBJECT_STORE_ENGINES as readonly unknown[]).includes(raw) ? { engine: raw as ObjectStoreEngine, explicit: true } : undefined;
  } catch {
    return undefined;
  }
}

/** The warnings for a stack's engine: MinIO is archived; an unnamed engine changes under upgrades. */
export function engineWarnings(choice: EngineChoice | undefined, deployedEngine?: string): string[] {
  if (!choice) return [];
  const out: string[] = [];
  if (choice.engine === 'minio') out.push(MINIO_ARCHIVED_WARNING);
  if (deployedEngine && deployedEngine !== choice.engine) {
    out.push(`the deployed stack stores objects in ${deployedEngine} but the config says ${choice.engine}: up would start an empty store ` +
      `(the old volume is kept). Set objectStore.engine ${deployedEngine} to keep it, or migrate: ${MIGRATION_DOC}`);
  }
  return out;
}

/**
 * Why `up` must not run: the deployed stack keeps its objects in one engine and the stack file
 * names none, so this version's default would start an empty store in its place. An engine the
 * stack file names is the operator's choice (the migration's step), so only the implicit change
 * is refused; undefined when `up` may go ahead.
 */
export function implicitEngineChange(choice: EngineChoice | undefined, deployed: string | undefined): string | undefined {
  if (!choice || choice.explicit || !deployed || deployed === choice.engine) return undefined;
  return `the deployed stack stores its objects in ${deployed}, and its stack file names no objectStore.engine, so this ` +
    `version's default (${choice.engine}) would start an empty object store in its place (the ${deployed} volume would be kept, ` +
    `but no file would be served). Nothing was changed. To keep the data where it is: ` +
    `pulumi config set --path objectStore.engine ${deployed}. To move it: ${MIGRATION_DOC}`;
}

/** The engine a deployed stack's outputs show: its objectStore output, or a MinIO container of a stack deployed before it existed. */
export function deployedEngine(outputs: Record<string, { value: unknown }>): string | undefined {
  const o = outputs.objectStore?.value as { engine?: unknown } | undefined;
  if (typeof o?.engine === 'string') return o.engine;
  const containers = outputs.containers?.value as Record<string, unknown> | undefined;
  if (containers && 'minio' in containers) return 'minio';
  return undefined;
}

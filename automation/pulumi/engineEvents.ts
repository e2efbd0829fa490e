// Engine events as imctl shows them: one human line per resource step (with changed
// property names under --diff, never values), or the event itself as NDJSON under --json.
import type { Output } from '../cli/output';
import type { EngineEvent, OpMap } from './stackOps';

const PAST: Record<string, string> = {
  create: 'created', update: 'updated', delete: 'deleted', replace: 'replaced', 'create-replacement': 'created replacement',
  'delete-replaced': 'deleted original', read: 'read', refresh: 'refreshed', import: 'imported', discard: 'discarded',
};
const SYMBOL: Record<string, string> = { create: '+', update: '~', delete: '-', replace: '+-', 'create-replacement': '++', 'delete-replaced': '--', read: '>', refresh: '~', import: '=' };

/** The secret signature Pulumi uses in serialized property maps. */
const SECRET_SIG = '4dabf18193072939515e22adb298388d';

/** Replaces any serialized secret value in an event with "[secret]" before it is printed. */
export function maskSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskSecrets);
  if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    if (obj[SECRET_SIG] === '1b47061264138c4ac30d75fd1eb44270') return '[secret]';
    return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, maskSecrets(v)]));
  }
  return value;
}

/** "urn:pulumi:dev::imstack::docker:index/container:Container::imstack-dev-postgres" -> name and short type. */
export function describeUrn(urn: string): { name: string; type: string } {
  const parts = urn.split('::');
  const name = parts[parts.length - 1] ?? urn;
  const fullType = (parts[parts.length - 2] ?? '').split('$').pop() ?? '';
  const m = /^([^:]+):[^/]*\/?[^:]*:(.+)$/.exec(fullType);
  return { name, type: m ? `${m[1]}:${m[2]}` : fullType };
}

export function summarizeChanges(changes: OpMap): string {
  const order = ['create', 'update', 'replace', 'delete', 'same'] as const;
  const label: Record<string, string> = { create: 'created', update: 'updated', replace: 'replaced', delete: 'deleted', same: 'unchanged' };
  const parts: string[] = [];
  for (const k of order) {
    const n = (changes as Record<string, number | undefined>)[k];
    if (n) parts.push(`${n} ${label[k]}`);
  }
  for (const [k, n] of Object.entries(changes)) {
    if (n && !(order as readonly string[]).includes(k)) parts.push(`${n} ${k}`);
  }
  return parts.length ? parts.join(', ') : 'no resources';
}

/** True when the change map contains anything but "same". */
export function hasChanges(changes: OpMap): boolean {
  return Object.entries(changes).some(([k, n]) => k !== 'same' && (n ?? 0) > 0);
}

export interface EventPrinter {
  onEvent(e: EngineEvent): void;
  /** Error diagnostics seen so far, to explain a failure in one line. */
  readonly errors: string[];
}

export function eventPrinter(out: Output, opts: { preview: boolean; diff: boolean }): EventPrinter {
  const errors: string[] = [];
  const started = new Map<string, number>();
  return {
    errors,
    onEvent(e: EngineEvent): void {
      if (out.json) {
        out.data(maskSecrets(e));
      }
      if (e.diagnosticEvent) {
        const d = e.diagnosticEvent;
        const text = d.message.trim();
        if (d.severity === 'error') errors.push(text.split('\n')[0]);
        if (out.json || d.ephemeral || !text) return;
        const where = d.urn ? `${describeUrn(d.urn).name}: ` : '';
        if (d.severity === 'error') out.error(`${where}${text}`);
        else if (d.severity === 'warning') out.warn(`${where}${text}`);
        else out.debug(`${where}${text}`);
        return;
      }
      if (out.json) return;
      if (e.resourcePreEvent) {
        const m = e.resourcePreEvent.metadata;
        if (m.op === 'same' || m.type === 'pulumi:pulumi:Stack') return;
        const { name, type } = describeUrn(m.urn);
        started.set(m.urn, e.timestamp);
        const keys = opts.diff && m.diffs?.length ? ` (${m.diffs.join(', ')})` : '';
        const verb = opts.preview ? `will ${m.op}` : `${m.op}…`;
        out.progress(`  ${SYMBOL[m.op] ?? '*'} ${verb.padEnd(10)} ${type} ${name}${keys}`);
        return;
      }
      if (e.resOutputsEvent && !opts.preview) {
        const m = e.resOutputsEvent.metadata;
        if (m.op === 'same' || m.type === 'pulumi:pulumi:Stack') return;
        const { name } = describeUrn(m.urn);
        const t0 = started.get(m.urn);
        const took = t0 !== undefined ? ` (${Math.max(0, e.timestamp - t0)}s)` : '';
        out.progress(`  ${out.paint('green', '✓')} ${PAST[m.op] ?? m.op} ${name}${took}`);
        return;
      }
      if (e.resOpFailedEvent) {
        const { name } = describeUrn(e.resOpFailedEvent.metadata.urn);
        out.progress(`  ${out.paint('red', '✗')} ${e.resOpFailedEvent.metadata.op} failed: ${name}`);
      }
    },
  };
}

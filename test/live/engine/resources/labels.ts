// Marks every Docker object the live layer creates, so teardown removes only those.
export const LIVE_LABEL = 'com.imstack.live';
export const INPUTS_HASH_LABEL = 'com.imstack.live.inputs-hash';
export const STACK_LABEL = 'com.imstack.stack';

export interface LabelPair {
  readonly label: string;
  readonly value: string;
}

export function labelsToMap(labels: unknown, where: string): Record<string, string> {
  if (labels === undefined || labels === null) return {};
  if (!Array.isArray(labels)) throw new Error(`${where}: labels must be a list of {label, value}`);
  const out: Record<string, string> = {};
  for (const l of labels as LabelPair[]) out[l.label] = String(l.value);
  return out;
}

export function rejectUnknownArgs(inputs: Record<string, unknown>, known: ReadonlySet<string>, what: string): void {
  const bad = Object.keys(inputs).filter((k) => {
    if (known.has(k)) return false;
    const v = inputs[k];
    return !(v === undefined || v === null || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0));
  });
  if (bad.length) throw new Error(`live layer: ${what} argument(s) not implemented: ${bad.join(', ')}`);
}

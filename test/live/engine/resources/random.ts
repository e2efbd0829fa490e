// random:index/randomPassword, randomString and randomId with the provider's semantics:
// per-class minimums first, the rest from every enabled class, then a shuffle.
import crypto from 'crypto';
import { wrapSecret } from '../secrets';

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const NUMERIC = '0123456789';
const DEFAULT_SPECIAL = '!@#$%&*()-_=+[]{}<>:?';

const STRING_KEYS = new Set(['length', 'special', 'upper', 'lower', 'numeric', 'number', 'minUpper', 'minLower', 'minNumeric', 'minSpecial', 'overrideSpecial', 'keepers']);
const ID_KEYS = new Set(['byteLength', 'prefix', 'keepers']);

export interface RandomStringInputs {
  readonly length: number;
  readonly special?: boolean;
  readonly upper?: boolean;
  readonly lower?: boolean;
  readonly numeric?: boolean;
  readonly number?: boolean;
  readonly minUpper?: number;
  readonly minLower?: number;
  readonly minNumeric?: number;
  readonly minSpecial?: number;
  readonly overrideSpecial?: string;
  readonly keepers?: Record<string, unknown>;
}

function rejectUnknown(inputs: Record<string, unknown>, known: Set<string>, type: string): void {
  const unknown = Object.keys(inputs).filter((k) => !known.has(k) && inputs[k] !== undefined);
  if (unknown.length) throw new Error(`live layer: ${type} argument(s) not implemented: ${unknown.join(', ')}`);
}

export function generateRandomString(i: RandomStringInputs): string {
  if (!Number.isInteger(i.length) || i.length < 1) throw new Error(`random: length must be a positive integer, got ${i.length}`);
  const numericOn = i.numeric ?? i.number ?? true;
  const classes: Array<{ chars: string; min: number }> = [];
  if (i.upper ?? true) classes.push({ chars: UPPER, min: i.minUpper ?? 0 });
  if (i.lower ?? true) classes.push({ chars: LOWER, min: i.minLower ?? 0 });
  if (numericOn) classes.push({ chars: NUMERIC, min: i.minNumeric ?? 0 });
  if (i.special ?? true) classes.push({ chars: i.overrideSpecial ?? DEFAULT_SPECIAL, min: i.minSpecial ?? 0 });
  const all = classes.map((c) => c.chars).join('');
  if (!all) throw new Error('random: every character class is disabled');
  const out: string[] = [];
  for (const c of classes) for (let k = 0; k < c.min; k++) out.push(c.chars[crypto.randomInt(c.chars.length)]);
  while (out.length < i.length) out.push(all[crypto.randomInt(all.length)]);
  for (let k = out.length - 1; k > 0; k--) {
    const j = crypto.randomInt(k + 1);
    [out[k], out[j]] = [out[j], out[k]];
  }
  return out.join('');
}

export function randomPasswordState(inputs: Record<string, unknown>): Record<string, unknown> {
  rejectUnknown(inputs, STRING_KEYS, 'random:index/randomPassword:RandomPassword');
  const result = generateRandomString(inputs as unknown as RandomStringInputs);
  // bcryptHash is deliberately absent: reading it fails loudly instead of yielding a fake.
  return { ...inputs, result: wrapSecret(result) };
}

export function randomStringState(inputs: Record<string, unknown>): Record<string, unknown> {
  rejectUnknown(inputs, STRING_KEYS, 'random:index/randomString:RandomString');
  return { ...inputs, result: generateRandomString(inputs as unknown as RandomStringInputs) };
}

export function randomIdState(inputs: Record<string, unknown>): Record<string, unknown> {
  rejectUnknown(inputs, ID_KEYS, 'random:index/randomId:RandomId');
  const n = Number(inputs.byteLength);
  if (!Number.isInteger(n) || n < 1) throw new Error(`random: byteLength must be a positive integer, got ${inputs.byteLength}`);
  const bytes = crypto.randomBytes(n);
  const prefix = typeof inputs.prefix === 'string' ? inputs.prefix : '';
  const b64Url = bytes.toString('base64url');
  return {
    ...inputs,
    b64Url: prefix + b64Url,
    b64Std: prefix + bytes.toString('base64'),
    hex: prefix + bytes.toString('hex'),
    dec: prefix + BigInt(`0x${bytes.toString('hex')}`).toString(10),
    id: b64Url,
  };
}

// Reads raw `imstack:*` values, collecting every problem with its full key instead of throwing
// at the first one; and the patterns the sections check values against.
import { RawConfig } from "./types";

/** Collects problems instead of throwing at the first one. */
export class Reader {
    readonly problems: string[] = [];

    constructor(private readonly raw: RawConfig) {}

    private show(v: unknown): string {
        return typeof v === "string" ? JSON.stringify(v) : JSON.stringify(v) ?? String(v);
    }

    problem(key: string, expected: string, got: unknown): void {
        this.problems.push(`imstack:${key} must be ${expected}, got ${this.show(got)}`);
    }

    /** Value at a dotted path (a number indexes a list, `receivers.0.name`), or undefined. */
    get(key: string): unknown {
        let cur: unknown = this.raw;
        for (const part of key.split(".")) {
            if (Array.isArray(cur) && /^\d+$/.test(part)) cur = cur[Number(part)];
            else if (cur === undefined || cur === null || typeof cur !== "object" || Array.isArray(cur)) return undefined;
            else cur = (cur as Record<string, unknown>)[part];
        }
        return cur;
    }

    object(key: string, allowed: readonly string[]): Record<string, unknown> {
        const v = this.get(key);
        if (v === undefined || v === null) return {};
        if (typeof v !== "object" || Array.isArray(v)) {
            this.problem(key, "an object", v);
            return {};
        }
        for (const k of Object.keys(v)) {
            if (!allowed.includes(k)) this.problems.push(`imstack:${key}.${k} is not a known setting (known: ${allowed.join(", ")})`);
        }
        return v as Record<string, unknown>;
    }

    string(key: string, def: string, opts: { pattern?: RegExp; expected?: string } = {}): string {
        const v = this.get(key);
        if (v === undefined || v === null) return def;
        if (typeof v !== "string" || v.trim() === "" || (opts.pattern && !opts.pattern.test(v))) {
            this.problem(key, opts.expected ?? "a non-empty string", v);
            return def;
        }
        return v;
    }

    optionalString(key: string, opts: { pattern?: RegExp; expected?: string } = {}): string | undefined {
        const v = this.get(key);
        if (v === undefined || v === null || v === "") return undefined;
        return this.string(key, "", opts) || undefined;
    }

    oneOf<T extends string>(key: string, allowed: readonly T[], def: T): T {
        const v = this.get(key);
        if (v === undefined || v === null) return def;
        if (typeof v !== "string" || !allowed.includes(v as T)) {
            this.problem(key, `one of ${allowed.join(", ")}`, v);
            return def;
        }
        return v as T;
    }

    /** Pulumi config stores scalars as strings, so "3" and 3 are both accepted. */
    number(key: string, def: number, min: number, max: number, integer: boolean): number {
        const v = this.get(key);
        if (v === undefined || v === null) return def;
        const n = typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : NaN;
        if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) {
            this.problem(key, `${integer ? "an integer" : "a number"} from ${min} to ${max}`, v);
            return def;
        }
        return n;
    }

    boolean(key: string, def: boolean): boolean {
        const v = this.get(key);
        if (v === undefined || v === null) return def;
        if (v === true || v === "true") return true;
        if (v === false || v === "false") return false;
        this.problem(key, "true or false", v);
        return def;
    }

    stringList(key: string, def: string[], pattern: RegExp, expected: string): string[] {
        const v = this.get(key);
        if (v === undefined || v === null) return def;
        const list = typeof v === "string" ? v.split(",").map((s) => s.trim()).filter(Boolean) : v;
        if (!Array.isArray(list) || !list.every((s) => typeof s === "string" && pattern.test(s))) {
            this.problem(key, expected, v);
            return def;
        }
        return list as string[];
    }
}

export const IMAGE_REF = /^[a-z0-9][a-z0-9._\/:-]*(@sha256:[a-f0-9]{64})?$/;
export const IMAGE_EXPECTED = "an image reference such as postgres:16 or repo/name@sha256:<digest>";
/** S3's bucket naming rules (3-63 of a-z, 0-9, "." and "-", letter or digit at both ends). */
export const BUCKET_NAME = /^(?!.*\.\.)(?!\d+\.\d+\.\d+\.\d+$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
export const BUCKET_EXPECTED = "an S3 bucket name (3-63 characters of a-z, 0-9, \".\" and \"-\", a letter or digit at both ends)";
export const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;
export const ROTATION_VALUE = /^[A-Za-z0-9._:+-]{1,64}$/;
export const ROTATION_EXPECTED = "1-64 characters of letters, digits and ._:+-";
// The backend gave the admin role at registration to these names, so whoever registered one
// first became admin. Kept as a known key so that old stack files get this error, not "unknown".
export const ADMIN_USERNAMES_REMOVED = "imstack:app.backend.adminUsernames is no longer supported: registering a listed name made " +
    "whoever claimed it first an admin. Remove it (pulumi config rm --path app.backend.adminUsernames) and grant the role " +
    "with `imctl admin grant <user>`; users who already hold it keep it (`imctl admin list`)";

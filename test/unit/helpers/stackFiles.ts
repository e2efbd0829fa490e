import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { parseConfig, RawConfig, StackConfig } from "../../../components/config";

export const PROJECT_DIR = path.resolve(__dirname, "..", "..", "..");

/** The `imstack:*` values of a committed Pulumi.<stack>.yaml, as parseConfig reads them. */
export function rawStackConfig(stack: string): RawConfig {
    const doc = parse(fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8")) as { config?: Record<string, unknown> };
    const raw: RawConfig = {};
    for (const [k, v] of Object.entries(doc.config ?? {})) {
        if (k.startsWith("imstack:")) raw[k.slice("imstack:".length)] = v;
    }
    return raw;
}

/** Deep-merges overrides into a raw config (objects merge, everything else replaces). */
export function withOverrides(raw: RawConfig, overrides: RawConfig): RawConfig {
    const out: RawConfig = { ...raw };
    for (const [k, v] of Object.entries(overrides)) {
        const cur = out[k];
        out[k] = cur && v && typeof cur === "object" && typeof v === "object" && !Array.isArray(v) && !Array.isArray(cur)
            ? withOverrides(cur as RawConfig, v as RawConfig)
            : v;
    }
    return out;
}

export function stackConfig(stack: string, overrides: RawConfig = {}): StackConfig {
    return parseConfig(withOverrides(rawStackConfig(stack), overrides), stack);
}

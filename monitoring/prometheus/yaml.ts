// A small YAML writer for the rendered configs. Every string is written double-quoted with JSON
// escapes (a valid YAML double-quoted scalar), so no value can turn into a number, a boolean or
// YAML syntax, and the program needs no YAML library at run time (`yaml` is a dev dependency).

export type YamlValue = string | number | boolean | readonly YamlValue[] | { readonly [key: string]: YamlValue | undefined };

function scalar(v: string | number | boolean): string {
    if (typeof v === "string") return JSON.stringify(v);
    if (typeof v === "number" && !Number.isFinite(v)) throw new Error(`not a finite number: ${v}`);
    return String(v);
}

function isEmpty(v: YamlValue): boolean {
    return (Array.isArray(v) && v.length === 0) || (typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 0);
}

function lines(v: YamlValue, pad: string): string[] {
    if (typeof v !== "object") return [pad + scalar(v)];
    if (Array.isArray(v)) {
        return (v as readonly YamlValue[]).flatMap((item) => {
            if (typeof item !== "object" || isEmpty(item)) return [`${pad}- ${typeof item === "object" ? (Array.isArray(item) ? "[]" : "{}") : scalar(item)}`];
            const inner = lines(item, pad + "  ");
            return [`${pad}- ${inner[0].slice(pad.length + 2)}`, ...inner.slice(1)];
        });
    }
    return Object.entries(v as { [key: string]: YamlValue | undefined }).flatMap(([key, value]) => {
        if (value === undefined) return [];
        const k = /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? key : JSON.stringify(key);
        if (typeof value !== "object") return [`${pad}${k}: ${scalar(value)}`];
        if (isEmpty(value)) return [`${pad}${k}: ${Array.isArray(value) ? "[]" : "{}"}`];
        return [`${pad}${k}:`, ...lines(value, pad + "  ")];
    });
}

/** The document, with an optional leading comment (one `# ` line per line). */
export function toYaml(doc: YamlValue, comment?: string): string {
    const head = comment ? comment.split("\n").map((l) => `# ${l}`.trimEnd()).join("\n") + "\n" : "";
    return head + lines(doc, "").join("\n") + "\n";
}

// The layers of docs/architecture.md and what each may import.
import { Graph } from "./importGraph";

export type Layer = "catalogue" | "monitoring" | "program" | "contract" | "engine" | "imctl" | "other";

/** The layer a repository path belongs to. */
export function layerOf(file: string): Layer {
    if (file.startsWith("catalogue/")) return "catalogue";
    if (file.startsWith("monitoring/")) return "monitoring";
    if (file === "index.ts" || file.startsWith("components/") || file.startsWith("nginx/")) return "program";
    if (file === "automation/backup/contract.ts" || file.startsWith("automation/backup/contract/")) return "contract";
    if (file.startsWith("automation/backup/")) return "engine";
    if (file.startsWith("automation/") || file.startsWith("bin/")) return "imctl";
    return "other";
}

/** What each layer may import besides itself. Tests, benches, tools and scripts may import anything. */
const MAY_IMPORT: Record<Exclude<Layer, "other">, readonly Layer[]> = {
    catalogue: ["contract"],
    monitoring: ["catalogue", "contract"],
    contract: [],
    engine: ["contract"],
    program: ["catalogue", "contract", "monitoring"],
    imctl: ["catalogue", "contract", "engine", "monitoring"],
};

export function ruleBreaks(graph: Graph): string[] {
    const out: string[] = [];
    for (const [file, deps] of graph) {
        const from = layerOf(file);
        if (from === "other") continue;
        for (const dep of deps) {
            const to = layerOf(dep);
            if (to !== from && !MAY_IMPORT[from].includes(to)) out.push(`${file} (${from}) imports ${dep} (${to})`);
        }
    }
    return out.sort();
}

// The real Prometheus tools (Debian bookworm: `prometheus` has promtool, `prometheus-alertmanager`
// has amtool), a scratch directory per test, and the skip-or-fail rule: missing tools skip the
// test locally and fail it under CI=true.
import { spawnSync } from "child_process";
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import type { Context } from "mocha";

export type Tool = "promtool" | "amtool";

export function missingTool(tool: Tool): string | null {
    const r = spawnSync(tool, ["--version"], { encoding: "utf8" });
    return r.error || r.status !== 0 ? `${tool} not found (apt-get install ${tool === "promtool" ? "prometheus" : "prometheus-alertmanager"})` : null;
}

export function skipOrFail(ctx: Context, reason: string | null): void {
    if (!reason) return;
    if (process.env.CI === "true") throw new Error(`required for this test in CI: ${reason}`);
    console.log(`      skipped: ${reason}`);
    ctx.skip();
}

/** Writes the files into a fresh directory, runs the tool there, and removes the directory. */
export function runTool(tool: Tool, args: string[], files: Record<string, string>): { status: number | null; output: string } {
    const dir = mkdtempSync(join(tmpdir(), "imstack-monitoring-"));
    try {
        for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
        const r = spawnSync(tool, args, { cwd: dir, encoding: "utf8", timeout: 60000 });
        return { status: r.status, output: `${r.stdout}${r.stderr}` };
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
}

// The app and backup containers' healthchecks (issue 15, item 4: they started `node` with
// 3-5 s timeouts and flapped on a loaded host). The probe script runs here for real, once per
// HTTP client an image may have, with PATH narrowed to that client, against a local server.
import * as assert from "assert";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import type { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import { APP_HEALTHCHECK, httpProbe } from "../../components/appTier";
import { Recorded, unwrap } from "./helpers/recordingMocks";
import { MockRun, runStack } from "./helpers/runStack";
import { stackConfig } from "./helpers/stackFiles";

function which(bin: string): string | null {
    const r = spawnSync("sh", ["-c", `command -v ${bin}`], { encoding: "utf8" });
    return r.status === 0 ? r.stdout.trim() : null;
}

/** A folder whose only programs are `sh` and the given ones (symlinks), for PATH. */
function binDir(tools: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "imstack-probe-"));
    for (const [name, target] of Object.entries({ sh: which("sh")!, ...tools })) fs.symlinkSync(target, path.join(dir, name));
    return dir;
}

function runProbe(script: string, pathDir: string): Promise<{ code: number | null; ms: number; stderr: string }> {
    const started = Date.now();
    return new Promise((resolve) => {
        const child = spawn(path.join(pathDir, "sh"), ["-c", script], { env: { PATH: pathDir }, stdio: ["ignore", "ignore", "pipe"] });
        let stderr = "";
        child.stderr.on("data", (d) => (stderr += d));
        child.on("close", (code) => resolve({ code, ms: Date.now() - started, stderr }));
    });
}

describe("healthchecks: cheap HTTP probes", function () {
    this.timeout(60000);
    let server: http.Server;
    let port: number;
    const status: Record<string, number> = { "/ok": 200, "/down": 503 };

    before(async () => {
        server = http.createServer((req, res) => {
            res.statusCode = status[req.url ?? ""] ?? 404;
            res.end(JSON.stringify({ status: res.statusCode === 200 ? "ok" : "degraded" }));
        });
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        port = (server.address() as AddressInfo).port;
    });
    after(() => server.close());

    // busybox is what node:20-alpine has; the Debian images have bash; curl is in the substitutes.
    const busybox = process.env.IMSTACK_BUSYBOX ?? which("busybox");
    const clients: Array<{ name: string; tools: () => Record<string, string> | null }> = [
        { name: "bash (/dev/tcp), as in node:20-bookworm-slim", tools: () => (which("bash") ? { bash: which("bash")! } : null) },
        { name: "busybox wget, as in node:20-alpine", tools: () => (busybox ? { wget: busybox } : null) },
        { name: "GNU wget", tools: () => (which("wget") ? { wget: which("wget")! } : null) },
        { name: "curl", tools: () => (which("curl") ? { curl: which("curl")! } : null) },
        { name: "node only", tools: () => ({ node: process.execPath }) },
    ];

    for (const c of clients) {
        it(`passes on 200 and fails on 503, 404 and a closed port with ${c.name}`, async function () {
            const tools = c.tools();
            if (!tools) {
                console.log(`      skipped: ${c.name} is not installed here`);
                return this.skip();
            }
            const dir = binDir(tools);
            try {
                const ok = await runProbe(httpProbe(port, "/ok")[1], dir);
                assert.strictEqual(ok.code, 0, ok.stderr);
                for (const p of ["/down", "/missing"]) assert.notStrictEqual((await runProbe(httpProbe(port, p)[1], dir)).code, 0, `${p} passed`);
                const closed = await new Promise<number>((r) => {
                    const s = http.createServer().listen(0, "127.0.0.1", () => {
                        const p = (s.address() as AddressInfo).port;
                        s.close(() => r(p));
                    });
                });
                assert.notStrictEqual((await runProbe(httpProbe(closed, "/ok")[1], dir)).code, 0, "a closed port passed");
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    }

    it("does not start node when the image has a shell client, and a 200 costs well under a second", async function () {
        const dir = binDir({ bash: which("bash")!, node: process.execPath });
        try {
            assert.doesNotMatch(httpProbe(port, "/ok")[1].split("; else ")[0], /\bnode\b/);
            const times: number[] = [];
            for (let i = 0; i < 5; i++) {
                const r = await runProbe(httpProbe(port, "/ok")[1], dir);
                assert.strictEqual(r.code, 0, r.stderr);
                times.push(r.ms);
            }
            console.log(`      bash probe: ${times.join(", ")} ms`);
            assert.ok(Math.min(...times) < 500, `the cheapest of 5 probes took ${Math.min(...times)} ms`);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    describe("in the program (dev stack)", () => {
        let run: MockRun;
        before(async () => {
            run = await runStack(stackConfig("dev"));
        });
        const seconds = (d: unknown): number => Number(String(d).replace(/s$/, ""));
        const healthOf = (svc: string) => {
            const c = run.mocks.containers().find((x: Recorded) => (unwrap(x.inputs.labels) as Array<{ label: string; value: string }>).some((l) => l.label === "com.imstack.service" && l.value === svc));
            assert.ok(c, `no ${svc} container`);
            return unwrap(c.inputs.healthcheck) as { tests: string[]; timeout: string; interval: string; retries: number };
        };

        for (const svc of ["backend", "web", "next"]) {
            it(`${svc}: a shell probe with a timeout that holds under load`, () => {
                const hc = healthOf(svc);
                assert.strictEqual(hc.tests[0], "CMD-SHELL");
                assert.match(hc.tests[1], /^if command -v bash/);
                assert.strictEqual(hc.timeout, APP_HEALTHCHECK.timeout);
                assert.ok(seconds(hc.timeout) >= 10, `timeout ${hc.timeout}`);
            });
        }

        it("backup: checks the status file with the shell, no node process", () => {
            const hc = healthOf("backup");
            assert.deepStrictEqual(hc.tests, ["CMD-SHELL", "test -r /backups/status.json"]);
            assert.ok(seconds(hc.timeout) >= 10, `timeout ${hc.timeout}`);
        });
    });
});

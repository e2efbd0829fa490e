import * as assert from "assert";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { RecordingMocks, settled } from "./helpers/recordingMocks";
import { PROJECT_DIR, rawStackConfig } from "./helpers/stackFiles";

const INDEX = path.join(PROJECT_DIR, "index.ts");

/** Sets config the way the engine does: `imstack:<key>` with JSON text for structured values. */
function setConfig(raw: Record<string, unknown>): void {
    const all: Record<string, string> = {};
    for (const [k, v] of Object.entries(raw)) all[`imstack:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
    pulumi.runtime.setAllConfig(all);
}

async function loadIndex(stack: string, raw: Record<string, unknown>): Promise<{ mocks: RecordingMocks; mod: Record<string, unknown> }> {
    const mocks = new RecordingMocks();
    await pulumi.runtime.setMocks(mocks, "imstack", stack, false);
    setConfig(raw);
    delete require.cache[require.resolve(INDEX)];
    const mod = await import(INDEX);
    return { mocks, mod };
}

describe("index.ts (the program entry point)", function () {
    afterEach(function () {
        pulumi.runtime.setAllConfig({});
    });

    it("reads the prod stack config through pulumi.Config and exports the documented outputs", async function () {
        const { mocks, mod } = await loadIndex("prod", rawStackConfig("prod"));
        const out = mod as Record<string, pulumi.Output<unknown>>;
        const [containers, urls] = await settled(out.containers, out.urls) as [Record<string, string[]>, Record<string, string>];
        assert.deepStrictEqual(containers.backend, ["imstack-prod-backend-1", "imstack-prod-backend-2"]);
        assert.strictEqual(urls.health, "https://chat.example.com/health");
        assert.strictEqual(mod.environment, "prod");
        assert.deepStrictEqual(mod.publishedPorts, [{ service: "nginx", hostIp: "0.0.0.0", hostPort: 80, containerPort: 80 }]);
        for (const k of ["databaseUrl", "adminDatabaseUrl", "redisUrl", "s3Credentials"]) {
            assert.strictEqual(await pulumi.isSecret(out[k]), true, `${k} is secret`);
        }
        assert.ok(mocks.containers().length >= 9);
    });

    it("stops with one readable error listing every config problem", async function () {
        await assert.rejects(loadIndex("dev", { app: { backend: { replicas: "two" } }, backup: { schedule: "daily" } }), (e: Error) => {
            assert.ok(e instanceof pulumi.RunError, `RunError expected, got ${e.constructor.name}`);
            assert.match(e.message, /imstack:app\.backend\.replicas must be an integer from 1 to 16, got "two"/);
            assert.match(e.message, /imstack:backup\.schedule must be a 5-field cron expression/);
            return true;
        });
    });
});

// The catalogue and what the program deploys, held in step: every container the program
// creates (dev and prod, each object-store engine, every optional service on) has a row that
// says its tier, lifecycle, aliases and secret files, and every row has a container somewhere.
import * as assert from "assert";
import { serviceRows } from "../../../catalogue";
import { catalogueMismatches } from "../helpers/catalogueCheck";
import { runStack } from "../helpers/runStack";
import { stackConfig } from "../helpers/stackFiles";

const EXTERNAL = { endpoint: "s3.example.net", bucket: "chat-uploads", accessKey: "AKEXTERNAL", secretKey: "external-secret-value-123" };
const TLS_FILES = { "/tls/cert.pem": "-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n", "/tls/key.pem": "-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n" };
const VARIANTS: Array<[string, "dev" | "prod", Record<string, unknown>, Record<string, string>?]> = [
    ["dev, seaweedfs", "dev", {}],
    ["prod, seaweedfs", "prod", {}],
    ["dev, minio", "dev", { objectStore: { engine: "minio" } }],
    ["prod, minio", "prod", { objectStore: { engine: "minio" } }],
    ["dev, external, redis in backups, off-site copies", "dev", {
        objectStore: { engine: "external", external: EXTERNAL },
        backup: { includeRedis: true, remote: { endpoint: "s3.example.com", bucket: "offsite-1", accessKey: "AK1", secretKey: "remote-secret-value" } },
    }],
    ["prod, TLS, admin UI, a receiver", "prod", {
        tls: { mode: "files", certFile: "/tls/cert.pem", keyFile: "/tls/key.pem" },
        adminUi: { enabled: true },
        monitoring: { receivers: [{ kind: "webhook", name: "ops", url: "https://hooks.example.com/x", token: "webhook-token-value" }] },
    }, TLS_FILES],
    ["dev, monitoring on", "dev", { monitoring: { enabled: true } }],
];

describe("service catalogue in step with the program", function () {
    const seen = new Set<string>();

    for (const [title, stack, overrides, files] of VARIANTS) {
        it(`gives every container of the ${title} stack a row that matches it`, async function () {
            const run = await runStack(stackConfig(stack, overrides), files);
            const problems = catalogueMismatches(run, stack, seen);
            assert.deepStrictEqual(problems, []);
        });
    }

    it("has a container for every row in at least one of those stacks", function () {
        const missing = serviceRows().map((r) => r.name).filter((n) => !seen.has(n));
        assert.deepStrictEqual(missing, [], "rows with no container");
    });
});

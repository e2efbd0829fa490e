import * as assert from "assert";
import { ConfigError, isCron, parseConfig, RawConfig, rawFromAllConfig } from "../../components/config";
import { rawStackConfig, withOverrides } from "./helpers/stackFiles";

function problemsOf(raw: RawConfig, stack = "dev"): string[] {
    try {
        parseConfig(raw, stack);
    } catch (e) {
        assert.ok(e instanceof ConfigError, `expected ConfigError, got ${e}`);
        return e.problems;
    }
    assert.fail("expected the config to be refused");
}

describe("config: defaults and per-environment values", function () {
    it("reads the committed dev stack file", function () {
        const c = parseConfig(rawStackConfig("dev"), "dev");
        assert.strictEqual(c.environment, "dev");
        assert.strictEqual(c.publishServices, true);
        assert.strictEqual(c.app.backend.replicas, 1);
        assert.deepStrictEqual(
            [c.ports.postgres, c.ports.redis, c.ports.minioApi, c.ports.minioConsole, c.ports.backend, c.ports.next, c.ports.web, c.ports.http],
            [5432, 6379, 9000, 9001, 4000, 3000, 5173, 80]);
        assert.strictEqual(c.backup.schedule, "0 2 * * *");
        assert.strictEqual(c.backup.retentionDays, 7);
        assert.strictEqual(c.rotation.postgres, "0");
    });

    it("reads the committed prod stack file", function () {
        const c = parseConfig(rawStackConfig("prod"), "prod");
        assert.strictEqual(c.environment, "prod");
        assert.strictEqual(c.publishServices, false);
        assert.strictEqual(c.app.backend.replicas, 2);
        assert.strictEqual(c.resources.postgres.memoryMb, 2048);
        assert.strictEqual(c.app.backend.logLevel, "info");
    });

    it("takes the environment from the stack name when unset, with its defaults", function () {
        const prod = parseConfig({}, "production");
        assert.strictEqual(prod.environment, "prod");
        assert.strictEqual(prod.app.backend.replicas, 2);
        assert.strictEqual(prod.publishServices, false);
        const dev = parseConfig({}, "alice");
        assert.strictEqual(dev.environment, "dev");
        assert.strictEqual(dev.app.backend.replicas, 1);
        assert.strictEqual(dev.publicUrl, "http://localhost");
    });

    it("pins the official images by tag", function () {
        const c = parseConfig({}, "dev");
        assert.match(c.images.postgres, /^postgres:16/);
        assert.match(c.images.redis, /^redis:7/);
        // Docker Hub's minio/minio and minio/mc were deleted on 2026-09-12; quay.io still serves the tags.
        assert.match(c.images.minio, /^quay\.io\/minio\/minio:RELEASE\./);
        assert.match(c.images.minioClient, /^quay\.io\/minio\/mc:RELEASE\./);
        assert.match(c.images.nginx, /^nginx:1\.\d+/);
        assert.match(c.images.node, /^node:20/);
    });

    it("accepts numbers given as strings, as `pulumi config set` stores them", function () {
        const c = parseConfig({ app: { backend: { replicas: "3" } }, limits: { uploadMb: "50" }, backup: { encrypt: "false" } }, "dev");
        assert.strictEqual(c.app.backend.replicas, 3);
        assert.strictEqual(c.limits.uploadMb, 50);
        assert.strictEqual(c.backup.encrypt, false);
    });

    it("derives the https public URL and requires files when TLS is on", function () {
        const c = parseConfig({ domain: "chat.example.org", tls: { mode: "files", certFile: "/c.pem", keyFile: "/k.pem" } }, "prod");
        assert.strictEqual(c.publicUrl, "https://chat.example.org");
    });

    it("turns allConfig() keys and JSON values into the raw shape", function () {
        const raw = rawFromAllConfig({
            "imstack:app": JSON.stringify({ backend: { replicas: 2 } }),
            "imstack:domain": "x.example",
            "aws:region": "eu-west-1",
        });
        assert.deepStrictEqual(raw, { app: { backend: { replicas: 2 } }, domain: "x.example" });
    });

    it("validates cron expressions", function () {
        for (const ok of ["0 2 * * *", "*/15 * * * *", "0 0 1,15 * 1-5", "30 3 * * 0"]) assert.ok(isCron(ok), ok);
        for (const bad of ["0 2 * *", "61 * * * *", "0 24 * * *", "a b c d e", "*/0 * * * *", "5-1 * * * *"]) assert.ok(!isCron(bad), bad);
    });
});

describe("config: every bad input is refused with a clear message", function () {
    const cases: Array<[string, RawConfig, RegExp]> = [
        ["replicas not a number", { app: { backend: { replicas: "two" } } }, /^imstack:app\.backend\.replicas must be an integer from 1 to 16, got "two"$/],
        ["replicas out of range", { app: { backend: { replicas: 17 } } }, /^imstack:app\.backend\.replicas must be an integer from 1 to 16, got 17$/],
        ["replicas not whole", { app: { backend: { replicas: 1.5 } } }, /^imstack:app\.backend\.replicas must be an integer from 1 to 16, got 1\.5$/],
        ["unknown environment", { environment: "staging" }, /^imstack:environment must be one of dev, prod, got "staging"$/],
        ["unknown storage driver", { app: { backend: { storageDriver: "mysql" } } }, /^imstack:app\.backend\.storageDriver must be one of postgres, file, got "mysql"$/],
        ["port out of range", { ports: { postgres: 70000 } }, /^imstack:ports\.postgres must be an integer from 1 to 65535, got 70000$/],
        ["colliding ports", { ports: { backend: 3000 } }, /^imstack:ports\.next must differ from imstack:ports\.backend, both are 3000$/],
        ["bad tls mode", { tls: { mode: "letsencrypt" } }, /^imstack:tls\.mode must be one of off, files, got "letsencrypt"$/],
        ["tls files without paths", { tls: { mode: "files" } }, /^imstack:tls\.certFile must be set when tls\.mode is files, got null$/],
        ["bad cron", { backup: { schedule: "every day" } }, /^imstack:backup\.schedule must be a 5-field cron expression such as "0 2 \* \* \*", got "every day"$/],
        ["bad time zone", { backup: { timezone: "Mars/Olympus" } }, /^imstack:backup\.timezone must be an IANA time zone such as Europe\/Berlin, got "Mars\/Olympus"$/],
        ["retention zero", { backup: { retentionDays: 0 } }, /^imstack:backup\.retentionDays must be an integer from 1 to 3650, got 0$/],
        ["upload limit text", { limits: { uploadMb: "lots" } }, /^imstack:limits\.uploadMb must be an integer from 1 to 1024, got "lots"$/],
        ["memory too small", { resources: { postgres: { memoryMb: 8 } } }, /^imstack:resources\.postgres\.memoryMb must be an integer from 32 to 262144, got 8$/],
        ["cpus not a number", { resources: { backend: { cpus: "fast" } } }, /^imstack:resources\.backend\.cpus must be a number from 0\.1 to 64, got "fast"$/],
        ["unknown top-level key", { replicas: 3 }, /^imstack:replicas is not a known setting \(known: .*app.*\)$/],
        ["unknown nested key", { app: { backend: { replica: 2 } } }, /^imstack:app\.backend\.replica is not a known setting \(known: replicas, /],
        ["unknown resource service", { resources: { mysql: { memoryMb: 64 } } }, /^imstack:resources\.mysql is not a known setting/],
        ["bad image reference", { images: { postgres: "Postgres 16!" } }, /^imstack:images\.postgres must be an image reference/],
        ["bad boolean", { app: { web: { enabled: "yes" } } }, /^imstack:app\.web\.enabled must be true or false, got "yes"$/],
        ["bad public URL", { publicUrl: "chat.example.com" }, /^imstack:publicUrl must be an http\(s\) URL/],
        ["bad domain", { domain: "exa mple.com" }, /^imstack:domain must be a hostname/],
        ["bad rotation value", { rotation: { postgres: "two words" } }, /^imstack:rotation\.postgres must be 1-64 characters/],
        ["file driver with replicas", { app: { backend: { storageDriver: "file", replicas: 2 } } }, /^imstack:app\.backend\.replicas must be 1 when app\.backend\.storageDriver is file/],
        ["remote backup without secret", { backup: { remote: { endpoint: "s3.example.com", bucket: "bk-1", accessKey: "AK" } } }, /^imstack:backup\.remote\.secretKey must be set when backup\.remote is configured/],
        ["object where a value is expected", { app: "big" }, /^imstack:app must be an object, got "big"$/],
    ];
    for (const [title, raw, expected] of cases) {
        it(title, function () {
            const problems = problemsOf(raw);
            assert.ok(problems.some((p) => expected.test(p)), `no problem matched ${expected}; got:\n${problems.join("\n")}`);
        });
    }

    it("refuses a stack name the backup job would refuse at start, and reads prod2 as prod", function () {
        const problems = problemsOf(rawStackConfig("dev"), "dev_1");
        assert.deepStrictEqual(problems, ['the stack name "dev_1" must be lowercase letters, digits and dashes']);
        assert.strictEqual(parseConfig({}, "prod2").environment, "prod");
    });

    it("refuses the file driver in prod", function () {
        const problems = problemsOf(withOverrides(rawStackConfig("prod"), { app: { backend: { storageDriver: "file", replicas: 1 } } }), "prod");
        assert.ok(problems.some((p) => /storageDriver must be postgres in prod/.test(p)), problems.join("\n"));
    });

    it("lists every problem at once in a single error, without a stack trace in the message", function () {
        let err: unknown;
        try {
            parseConfig({ environment: "qa", app: { backend: { replicas: "two" } }, ports: { http: 0 }, backup: { schedule: "x" } }, "dev");
        } catch (e) {
            err = e;
        }
        assert.ok(err instanceof ConfigError);
        assert.strictEqual(err.problems.length, 4, err.problems.join("\n"));
        assert.match(err.message, /^invalid imstack configuration \(4 problems\):\n {2}- imstack:environment/);
        assert.ok(!/\bat \w+ \(/.test(err.message), "no stack frames in the message");
    });

    it("never echoes a secret value in an error", function () {
        const problems = problemsOf({ backup: { remote: { endpoint: "s3.example.com", bucket: "b", accessKey: "AK", secretKey: "sup3rSecret" } } });
        assert.ok(!problems.join("\n").includes("sup3rSecret"));
    });
});

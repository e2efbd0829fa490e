// The monitoring and adminUi sections of the config: defaults per environment, and every bad
// receiver or retention value collected into the one ConfigError, named by its key.
import * as assert from "assert";
import { ConfigError, parseConfig, RawConfig } from "../../../components/config";
import { DEFAULT_RETENTION, DEFAULT_SCRAPE_INTERVAL_SECONDS } from "../../../monitoring/prometheus";
import { rawStackConfig, withOverrides } from "../helpers/stackFiles";

function problems(stack: string, overrides: RawConfig): string[] {
    try {
        parseConfig(withOverrides(rawStackConfig(stack), overrides), stack);
    } catch (e) {
        assert.ok(e instanceof ConfigError, String(e));
        return e.problems;
    }
    assert.fail("parseConfig accepted the config");
}

describe("config: monitoring and adminUi", function () {
    it("defaults: monitoring on in prod and off in dev, the admin UI the other way round", function () {
        const strip = (stack: string) => {
            const raw = rawStackConfig(stack);
            delete raw.monitoring;
            delete raw.adminUi;
            return parseConfig(raw, stack);
        };
        const prod = strip("prod");
        const dev = strip("dev");
        assert.strictEqual(prod.monitoring.enabled, true);
        assert.strictEqual(dev.monitoring.enabled, false);
        assert.strictEqual(prod.adminUi.enabled, false);
        assert.strictEqual(dev.adminUi.enabled, true);
        for (const c of [prod, dev]) {
            assert.strictEqual(c.monitoring.retentionDays, DEFAULT_RETENTION.days);
            assert.strictEqual(c.monitoring.retentionSizeMb, DEFAULT_RETENTION.sizeMb);
            assert.strictEqual(c.monitoring.scrapeIntervalSeconds, DEFAULT_SCRAPE_INTERVAL_SECONDS);
            assert.deepStrictEqual(c.monitoring.receivers, []);
        }
    });

    it("collects every bad receiver and retention value into one ConfigError, naming the keys", function () {
        const p = problems("prod", {
            monitoring: {
                retentionDays: 0,
                retentionSizeMb: 10,
                receivers: [
                    { kind: "webhook", name: "ops", url: "https://user:pw@hooks.example.com/x" },
                    { kind: "pager", name: "p" },
                    { kind: "email", name: "mail", to: "not-an-address", from: "a@b", smarthost: "smtp" },
                    { kind: "webhook", name: "ops", url: "https://hooks.example.com/y", colour: "red" },
                ],
            },
        });
        const text = p.join("\n");
        assert.match(text, /imstack:monitoring\.retentionDays must be an integer from 1 to 3650/);
        assert.match(text, /imstack:monitoring\.retentionSizeMb must be an integer from 64/);
        assert.match(text, /imstack:monitoring\.receivers\.1\.kind must be one of webhook, email/);
        assert.match(text, /imstack:monitoring\.receivers\.3\.colour is not a known setting/);
        assert.match(text, /receiver ops: the webhook url must not carry credentials/);
        assert.match(text, /receiver mail: "to" must be email addresses/);
        assert.match(text, /receiver mail: smarthost must be host:port/);
        assert.match(text, /receiver name "ops" is used twice/);
        // The URL's credential is not repeated in the message.
        assert.ok(!text.includes("user:pw"), text);
    });

    it("refuses receivers that are not a list, and an unknown monitoring key", function () {
        const p = problems("dev", { monitoring: { receivers: "ops", scrape: 5 } });
        assert.ok(p.some((x) => x.startsWith("imstack:monitoring.receivers must be a list of receivers")), p.join("\n"));
        assert.ok(p.some((x) => x.startsWith("imstack:monitoring.scrape is not a known setting")), p.join("\n"));
    });

    it("accepts a webhook with a token and an email receiver with a password", function () {
        const c = parseConfig(withOverrides(rawStackConfig("prod"), { monitoring: { receivers: [
            { kind: "webhook", name: "ops", url: "https://hooks.example.com/x", token: "tok-123" },
            { kind: "email", name: "mail", to: "a@example.com", from: "b@example.com", smarthost: "smtp.example.com:587", authUsername: "u", password: "pw-456" },
        ] } }), "prod");
        assert.deepStrictEqual(c.monitoring.receivers.map((r) => [r.kind, r.name]), [["webhook", "ops"], ["email", "mail"]]);
    });
});

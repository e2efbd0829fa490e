// Every alert's runbook_url must land on a section: the issue asks for a runbook link into
// docs/operations.md for each rule, and a renamed alert or a deleted section would otherwise
// only show as a dead link when someone is paged.
import { strict as assert } from "assert";
import { readFileSync } from "fs";
import { join } from "path";
import { ALL_ALERTS, RUNBOOK_BASE, runbookUrl } from "../../../monitoring/prometheus/rules";

const DOC = "docs/operations.md";
const text = readFileSync(join(__dirname, "../../..", DOC), "utf8");

describe("monitoring: alert runbooks in docs/operations.md", () => {
    it("RUNBOOK_BASE is that file", () => {
        assert.ok(RUNBOOK_BASE.endsWith(`/blob/main/${DOC}`), RUNBOOK_BASE);
    });

    it("has an explicit anchor and a heading for every alert in ALL_ALERTS", () => {
        assert.ok(ALL_ALERTS.length > 0);
        for (const alert of ALL_ALERTS) {
            const anchor = runbookUrl(alert).slice(`${RUNBOOK_BASE}#`.length);
            assert.equal(anchor, `alert-${alert.toLowerCase()}`);
            // The anchor directly before the alert's own ### heading, so the link opens its runbook.
            const section = new RegExp(`<a id="${anchor}"></a>\\s*\\n### ${alert}\\s*\\n`);
            assert.match(text, section, `${DOC} has no runbook section for ${alert}`);
        }
    });

    it("declares each anchor once and none for an alert that does not exist", () => {
        const ids = [...text.matchAll(/<a id="(alert-[a-z0-9-]+)"><\/a>/g)].map((m) => m[1]);
        assert.equal(new Set(ids).size, ids.length, "duplicate runbook anchor");
        assert.deepEqual([...ids].sort(), ALL_ALERTS.map((a) => `alert-${a.toLowerCase()}`).sort());
    });
});

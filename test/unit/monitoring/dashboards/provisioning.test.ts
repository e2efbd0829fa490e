// Grafana's provisioning files: the dashboards' file provider and the one Prometheus datasource
// every panel names by uid.
import { strict as assert } from "assert";
import { parse } from "yaml";
import {
    DASHBOARD_FOLDER, dashboardProvisioning, DATASOURCE_UID, datasourceProvisioning,
} from "../../../../monitoring/dashboards";

interface Provider { name: string; orgId: number; folder: string; type: string; disableDeletion: boolean; allowUiUpdates: boolean; options: { path: string } }
interface Datasource { name: string; type: string; uid: string; url: string; access: string; isDefault: boolean; editable: boolean; jsonData?: { timeInterval?: string } }

describe("monitoring: Grafana provisioning", () => {
    it("provisions one file provider on the dashboards dir, folder imstack, read-only and undeletable", () => {
        const doc = parse(dashboardProvisioning("/var/lib/grafana/dashboards/imstack")) as { apiVersion: number; providers: Provider[] };
        assert.equal(doc.apiVersion, 1);
        assert.equal(doc.providers.length, 1);
        const p = doc.providers[0];
        assert.equal(p.type, "file");
        assert.equal(p.folder, DASHBOARD_FOLDER);
        assert.equal(p.folder, "imstack");
        assert.equal(p.options.path, "/var/lib/grafana/dashboards/imstack");
        assert.equal(p.allowUiUpdates, false);
        assert.equal(p.disableDeletion, true);
    });

    it("refuses a relative dashboards dir", () => {
        assert.throws(() => dashboardProvisioning("dashboards"), /absolute path/);
    });

    it("provisions the one Prometheus datasource by DATASOURCE_UID, default and not editable", () => {
        const doc = parse(datasourceProvisioning("http://prometheus:9090", 15)) as { apiVersion: number; datasources: Datasource[] };
        assert.equal(doc.apiVersion, 1);
        assert.equal(doc.datasources.length, 1);
        const d = doc.datasources[0];
        assert.deepEqual(
            [d.type, d.uid, d.url, d.access, d.isDefault, d.editable, d.jsonData?.timeInterval],
            ["prometheus", DATASOURCE_UID, "http://prometheus:9090", "proxy", true, false, "15s"],
        );
        assert.equal((parse(datasourceProvisioning("http://prometheus:9090")) as { datasources: Datasource[] }).datasources[0].jsonData, undefined);
    });

    it("refuses a Prometheus URL with a credential, without echoing it", () => {
        const secret = "s3cr3t-pr0m";
        assert.throws(() => datasourceProvisioning(`http://admin:${secret}@prometheus:9090`), (e: Error) => /credentials/.test(e.message) && !e.message.includes(secret));
        assert.throws(() => datasourceProvisioning("prometheus:9090/x"), /unusable/);
        assert.throws(() => datasourceProvisioning("http://prometheus:9090", 0), /scrapeIntervalSeconds/);
    });
});

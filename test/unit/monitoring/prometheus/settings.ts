// Settings the renderer tests share: every environment x engine x TLS combination.
import { OBJECT_STORE_ENGINES } from "../../../../catalogue/objectStores";
import { DEFAULT_RETENTION, PrometheusSettings } from "../../../../monitoring/prometheus";

export function settings(overrides: Partial<PrometheusSettings> = {}): PrometheusSettings {
    return {
        stack: "dev", environment: "dev", backendReplicas: 1, objectStore: "seaweedfs", tls: null,
        scrapeIntervalSeconds: 15, evaluationIntervalSeconds: 15, retention: DEFAULT_RETENTION, ...overrides,
    };
}

export function matrix(): Array<{ label: string; s: PrometheusSettings }> {
    const out: Array<{ label: string; s: PrometheusSettings }> = [];
    for (const environment of ["dev", "prod"] as const) {
        for (const objectStore of OBJECT_STORE_ENGINES) {
            for (const tls of [null, { domain: "chat.example.com" }]) {
                const s = settings({ stack: environment, environment, objectStore, tls, backendReplicas: environment === "prod" ? 3 : 1 });
                out.push({ label: `${environment}, ${objectStore}, TLS ${tls ? "on" : "off"}`, s });
            }
        }
    }
    return out;
}

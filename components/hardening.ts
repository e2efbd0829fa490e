// The hardening every imstack container shares, long-running or one-shot, in one place so no
// container can forget a log cap or no-new-privileges.
import { findService } from "../catalogue";

export type Lifecycle = "service" | "one-shot";

/** Log caps by lifecycle: a one-shot writes a few lines once. */
const LOGS: Record<Lifecycle, Record<string, string>> = {
    "service": { "max-size": "10m", "max-file": "3" },
    "one-shot": { "max-size": "1m", "max-file": "1" },
};

export interface Hardening {
    logDriver: string;
    logOpts: Record<string, string>;
    securityOpts: string[];
}

export function hardening(lifecycle: Lifecycle): Hardening {
    return { logDriver: "json-file", logOpts: { ...LOGS[lifecycle] }, securityOpts: ["no-new-privileges:true"] };
}

/**
 * Refuses a container whose service has no catalogue row, or whose row says another tier or
 * lifecycle: imctl orders, checks and lists containers by their row.
 */
export function checkCatalogueRow(service: string, tier: string, lifecycle: Lifecycle): void {
    const row = findService(service);
    if (!row) throw new Error(`${service}: no service catalogue row (catalogue/services.ts)`);
    if (row.tier !== tier) throw new Error(`${service}: deployed in tier ${tier}, but its catalogue row says ${row.tier}`);
    if (row.lifecycle !== lifecycle) throw new Error(`${service}: deployed as a ${lifecycle}, but its catalogue row says ${row.lifecycle}`);
}

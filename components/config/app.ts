// The app section: backend replicas, storage driver, images and log level; web and next.
import { ADMIN_USERNAMES_REMOVED, IMAGE_EXPECTED, IMAGE_REF, Reader } from "./reader";
import { AppServiceConfig, BackendConfig, StorageDriver } from "./types";

export function readApp(r: Reader, prod: boolean): { backend: BackendConfig; web: AppServiceConfig; next: AppServiceConfig } {
    r.object("app", ["backend", "web", "next"]);
    r.object("app.backend", ["replicas", "storageDriver", "image", "adminUsernames", "logLevel"]);
    r.object("app.web", ["enabled", "image"]);
    r.object("app.next", ["enabled", "image"]);
    const backend: BackendConfig = {
        replicas: r.number("app.backend.replicas", prod ? 2 : 1, 1, 16, true),
        storageDriver: r.oneOf<StorageDriver>("app.backend.storageDriver", ["postgres", "file"], "postgres"),
        image: r.optionalString("app.backend.image", { pattern: IMAGE_REF, expected: IMAGE_EXPECTED }),
        logLevel: r.oneOf("app.backend.logLevel", ["trace", "debug", "info", "warn", "error"], prod ? "info" : "debug"),
    };
    if (r.get("app.backend.adminUsernames") !== undefined) r.problems.push(ADMIN_USERNAMES_REMOVED);
    if (prod && backend.storageDriver === "file") {
        r.problems.push(`imstack:app.backend.storageDriver must be postgres in prod (file is for local trials only), got "file"`);
    }
    if (backend.storageDriver === "file" && backend.replicas > 1) {
        r.problems.push(`imstack:app.backend.replicas must be 1 when app.backend.storageDriver is file (each replica would keep its own file), got ${backend.replicas}`);
    }
    const web: AppServiceConfig = {
        enabled: r.boolean("app.web.enabled", true),
        image: r.optionalString("app.web.image", { pattern: IMAGE_REF, expected: IMAGE_EXPECTED }),
    };
    const next: AppServiceConfig = {
        enabled: r.boolean("app.next.enabled", true),
        image: r.optionalString("app.next.image", { pattern: IMAGE_REF, expected: IMAGE_EXPECTED }),
    };
    return { backend, web, next };
}

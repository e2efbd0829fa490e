// The backup section: schedule, retention, encryption and the off-site copy.
import { BUCKET_EXPECTED, BUCKET_NAME, HOSTNAME, Reader } from "./reader";
import { isCron, isTimezone } from "./rules";
import { JOB_DEFAULTS } from "../../automation/backup/contract";
import { BackupConfig } from "./types";

export function readBackup(r: Reader): BackupConfig {
    // The job's own defaults, so an unset value means the same on both sides.
    const d = JOB_DEFAULTS;
    r.object("backup", ["enabled", "schedule", "timezone", "retentionDays", "keepLast", "encrypt", "includeRedis", "remote"]);
    const schedule = r.string("backup.schedule", d.schedule);
    if (!isCron(schedule)) r.problem("backup.schedule", `a 5-field cron expression such as "${d.schedule}"`, schedule);
    const timezone = r.string("backup.timezone", d.timezone);
    if (!isTimezone(timezone)) r.problem("backup.timezone", "an IANA time zone such as Europe/Berlin", timezone);
    const backup: BackupConfig = {
        enabled: r.boolean("backup.enabled", true),
        schedule,
        timezone,
        retentionDays: r.number("backup.retentionDays", d.retentionDays, 1, 3650, true),
        keepLast: r.number("backup.keepLast", d.keepLast, 1, 1000, true),
        encrypt: r.boolean("backup.encrypt", d.encrypt),
        includeRedis: r.boolean("backup.includeRedis", false),
    };
    if (r.get("backup.remote") !== undefined && r.get("backup.remote") !== null) {
        r.object("backup.remote", ["endpoint", "port", "useSsl", "bucket", "region", "accessKey", "secretKey"]);
        const useSsl = r.boolean("backup.remote.useSsl", true);
        backup.remote = {
            endpoint: r.string("backup.remote.endpoint", "", { pattern: HOSTNAME, expected: "an S3 endpoint hostname such as s3.eu-central-1.amazonaws.com" }),
            port: r.number("backup.remote.port", useSsl ? 443 : 80, 1, 65535, true),
            useSsl,
            bucket: r.string("backup.remote.bucket", "", { pattern: BUCKET_NAME, expected: BUCKET_EXPECTED }),
            region: r.string("backup.remote.region", "us-east-1"),
            accessKey: r.string("backup.remote.accessKey", ""),
            secretKey: r.string("backup.remote.secretKey", "", { expected: "a secret (pulumi config set --secret --path backup.remote.secretKey ...)" }),
        };
        for (const k of ["endpoint", "bucket", "accessKey", "secretKey"] as const) {
            if (r.get(`backup.remote.${k}`) === undefined) r.problem(`backup.remote.${k}`, "set when backup.remote is configured", null);
        }
    }
    return backup;
}

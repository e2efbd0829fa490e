// Reads what a recorded container gets as secret files: `X_FILE` envs, and the uploads that
// put those files in place, on the container itself or, for a read-only one, on the writer of
// the volume it mounts at /run/secrets (components/secretFiles.ts).
import * as assert from "assert";
import { SECRETS_DIR } from "../../../components/secretFiles";
import { isSecretValue, Recorded, RecordingMocks, unwrap } from "./recordingMocks";

export interface RecordedSecretFile {
    path: string;
    /** Whether the content reached the provider as a Pulumi secret (itself, its upload or the list). */
    secret: boolean;
    value: string;
    permissions?: string;
    owner?: string;
    group?: string;
    /** The container the upload is on (the container itself, or the volume's writer). */
    via: Recorded;
}

type Upload = { file: string; content?: unknown; permissions?: string; owner?: string; group?: string };
type Volume = { volumeName?: string; containerPath?: string; readOnly?: boolean };

export function envList(c: Recorded): string[] {
    return (unwrap(c.inputs.envs) as string[] | undefined) ?? [];
}

/** The uploads with whether each travelled as a secret (a list holding a secret may be one secret value). */
function uploadsOf(c: Recorded): Array<{ upload: Record<string, unknown>; secret: boolean }> {
    const up = c.inputs.uploads;
    if (!up) return [];
    const listSecret = isSecretValue(up);
    return ((listSecret ? up.value : up) as unknown[]).map((u) => {
        const upload = (isSecretValue(u) ? u.value : u) as Record<string, unknown>;
        return { upload, secret: listSecret || isSecretValue(u) || isSecretValue(upload.content) };
    });
}

/** The container whose uploads carry `c`'s secret files. */
export function secretSource(mocks: RecordingMocks, c: Recorded): Recorded {
    const mount = ((unwrap(c.inputs.volumes) as Volume[] | undefined) ?? []).find((v) => v.containerPath === SECRETS_DIR);
    if (!mount || uploadsOf(c).length > 0) return c;
    const writers = mocks.containers().filter((w) => uploadsOf(w).length > 0 && ((unwrap(w.inputs.volumes) as Volume[] | undefined) ?? [])
        .some((v) => v.volumeName === mount.volumeName && v.containerPath === SECRETS_DIR));
    assert.strictEqual(writers.length, 1, `${c.inputs.name}: one writer of ${mount.volumeName}`);
    return writers[0];
}

/** Variable -> the file it is read from, for every `X_FILE` env of `c`. */
export function secretFilesOf(mocks: RecordingMocks, c: Recorded): Map<string, RecordedSecretFile> {
    const via = secretSource(mocks, c);
    const uploads = uploadsOf(via);
    const out = new Map<string, RecordedSecretFile>();
    for (const e of envList(c)) {
        const m = /^([A-Z][A-Z0-9_]*)_FILE=(.+)$/.exec(e);
        if (!m) continue;
        const u = uploads.find((x) => unwrap(x.upload.file) === m[2]);
        assert.ok(u, `${c.inputs.name}: no upload for ${m[1]}_FILE=${m[2]} on ${via.inputs.name}`);
        const plain = unwrap(u.upload) as Upload;
        out.set(m[1], { path: m[2], secret: u.secret, value: String(plain.content), permissions: plain.permissions, owner: plain.owner, group: plain.group, via });
    }
    return out;
}

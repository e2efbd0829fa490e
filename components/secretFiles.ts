// Secrets reach containers as files, never as environment variables: `docker inspect` shows a
// container's environment to anyone who may talk to the engine. For each variable X an image
// reads, the container gets `X_FILE=/run/secrets/<x>` and the file, mode 0400, owned by the
// user the image reads it as (the convention of the official postgres and minio images, and
// of our own apps). The exceptions, where an image offers nothing but env, are listed in
// docs/conventions.md.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { pulledImage } from "./images";
import { oneShotContainer } from "./oneShot";
import { containerName, objectLabels, resourcePrefix, Tier } from "./naming";

/** Where secret files live inside containers (Docker's and Compose's secrets folder). */
export const SECRETS_DIR = "/run/secrets";

/** Owner-read only: the one user the image reads the file as, nobody else. */
export const SECRET_FILE_MODE = "0400";

export interface SecretFile {
    /** The variable the image reads (`X`); the container gets `X_FILE` pointing at the file. */
    readonly variable: string;
    /** The image's own suffix when it is not `_FILE` (Grafana reads `X__FILE`). */
    readonly fileSuffix?: string;
    readonly value: pulumi.Input<string>;
}

/** The file a variable's secret is written to: /run/secrets/database-url for DATABASE_URL. */
export function secretPath(variable: string): string {
    if (!/^[A-Z][A-Z0-9_]*$/.test(variable)) throw new Error(`secret variable ${JSON.stringify(variable)} must be upper case letters, digits and _`);
    return `${SECRETS_DIR}/${variable.toLowerCase().replace(/_/g, "-")}`;
}

/** `X_FILE=/run/secrets/x` for each secret, for the container's envs. */
export function secretFileEnvs(files: readonly SecretFile[]): string[] {
    return files.map((f) => `${f.variable}${f.fileSuffix ?? "_FILE"}=${secretPath(f.variable)}`);
}

/**
 * The uploads that put the secrets in place, owned by `uid` (numeric: the provider would look
 * a name up in the deploying host's user database, not the image's).
 */
export function secretUploads(files: readonly SecretFile[], uid: number): docker.types.input.ContainerUpload[] {
    return files.map((f) => ({
        file: secretPath(f.variable),
        content: pulumi.secret(f.value),
        permissions: SECRET_FILE_MODE,
        owner: String(uid),
        group: String(uid),
    }));
}

export interface SecretsVolumeArgs {
    readonly stack: string;
    /** The service whose containers read the files (names the volume and the writer). */
    readonly service: string;
    readonly tier: Tier;
    readonly files: readonly SecretFile[];
    /** The user id the service's image runs as. */
    readonly uid: number;
    /** An image with /bin/sh (the configured node image). */
    readonly image: string;
}

/**
 * Docker refuses to copy files into a container with a read-only root filesystem (the provider
 * extracts uploads at "/"), so a read-only service gets its secrets from a volume instead. A
 * one-shot writer, whose own root filesystem is writable, has the volume at /run/secrets: the
 * uploads land in the volume, and the writer checks, as the service's user, that each file is
 * there and readable. The service mounts the volume read-only and is replaced whenever the
 * writer is (a rotation), through `revision`.
 */
export class SecretsVolume extends pulumi.ComponentResource {
    public readonly volumeName: pulumi.Output<string>;
    /** The writer's container id once it succeeded; a new one means new secrets. */
    public readonly revision: pulumi.Output<string>;

    constructor(name: string, args: SecretsVolumeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("imstack:secrets:SecretsVolume", name, {}, opts);
        const part = `${args.service}-secrets`;
        const volume = new docker.Volume(`${name}-volume`, {
            name: `${resourcePrefix(args.stack)}-${part}`,
            labels: objectLabels(args.stack, { "com.imstack.volume": part }),
        }, { parent: this });
        const check = args.files.map((f) => secretPath(f.variable))
            .map((p) => `test -r ${p} && test -s ${p} || { echo "${p} is missing, empty or unreadable for uid ${args.uid}" >&2; exit 1; }`)
            .join("; ");
        const writer = oneShotContainer(`${name}-writer`, {
            stack: args.stack,
            service: part,
            tier: args.tier,
            image: pulledImage(`${name}-image`, args.image, this),
            // It talks to nobody.
            networkMode: "none",
            entrypoints: ["/bin/sh", "-c"],
            command: [check],
            user: `${args.uid}:${args.uid}`,
            volumes: [{ volumeName: volume.name, containerPath: SECRETS_DIR }],
            uploads: secretUploads(args.files, args.uid),
            memory: 32,
        }, { parent: this });
        this.volumeName = volume.name;
        this.revision = pulumi.all([writer.id, writer.exitCode, writer.containerLogs]).apply(([id, code, logs]) => {
            if (code !== 0) throw new Error(`${containerName(args.stack, part)} could not place the secret files (exit ${code}): ${String(logs ?? "").trim()}`);
            return id;
        });
        this.registerOutputs({ volumeName: this.volumeName, revision: this.revision });
    }
}

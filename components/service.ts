// What every long-running imstack container shares: the hardening (components/hardening.ts), a
// memory limit, health-gated creation and the labels imctl finds it by.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { ResourceLimits } from "./config";
import { checkCatalogueRow, hardening } from "./hardening";
import { containerName, imstackLabels, labelList, Tier } from "./naming";
import { SECRETS_DIR, SecretFile, secretFileEnvs, SecretsVolume, secretUploads } from "./secretFiles";

/** Secrets a service reads from files (`X_FILE`), never from its environment. */
export interface ServiceSecrets {
    readonly files: readonly SecretFile[];
    /** The user id the image reads them as (the files' owner). */
    readonly uid: number;
    /** Required for a read-only container, which Docker copies no file into. */
    readonly volume?: SecretsVolume;
}

export interface ServiceContainerSpec {
    stack: string;
    service: string;
    tier: Tier;
    replica?: number;
    image: pulumi.Input<string>;
    /** The first network is the container's primary one (networkMode). */
    networks: Array<{ name: pulumi.Input<string>; aliases?: string[] }>;
    envs?: pulumi.Input<pulumi.Input<string>[]>;
    command?: string[];
    ports?: docker.types.input.ContainerPort[];
    volumes?: docker.types.input.ContainerVolume[];
    uploads?: pulumi.Input<pulumi.Input<docker.types.input.ContainerUpload>[]>;
    secrets?: ServiceSecrets;
    /**
     * null only for an image with no shell or client to probe with (a FROM-scratch exporter): it is
     * then created without waiting for health, and Prometheus's `up` is its check.
     */
    healthcheck: docker.types.input.ContainerHealthcheck | null;
    resources: ResourceLimits;
    healthTimeoutSeconds: number;
    user?: string;
    tmpfs?: Record<string, string>;
    readOnly?: boolean;
    destroyGraceSeconds?: number;
    extraLabels?: Record<string, pulumi.Input<string>>;
}

export function serviceContainer(
    resourceName: string,
    spec: ServiceContainerSpec,
    opts: pulumi.CustomResourceOptions,
): docker.Container {
    checkCatalogueRow(spec.service, spec.tier, "service");
    const extra: Record<string, pulumi.Input<string>> = { ...(spec.extraLabels ?? {}) };
    if (spec.replica !== undefined) extra["com.imstack.replica"] = String(spec.replica);
    const files = spec.secrets?.files ?? [];
    let uploads = spec.uploads;
    const volumes = [...(spec.volumes ?? [])];
    if (files.length > 0) {
        const volume = spec.secrets?.volume;
        if (spec.readOnly) {
            if (!volume) throw new Error(`${resourceName}: a read-only container gets its secret files from a SecretsVolume`);
            volumes.push({ volumeName: volume.volumeName, containerPath: SECRETS_DIR, readOnly: true });
            // The writer's id: new secrets replace the container, which reads them only at start.
            extra["com.imstack.secrets"] = volume.revision;
        } else {
            const own = secretUploads(files, spec.secrets!.uid);
            uploads = pulumi.output(spec.uploads ?? []).apply((u) => [...u, ...own]);
        }
    }
    const envs = files.length > 0
        ? pulumi.output(spec.envs ?? []).apply((e) => [...e, ...secretFileEnvs(files)])
        : spec.envs;
    return new docker.Container(resourceName, {
        name: containerName(spec.stack, spec.service, spec.replica),
        image: spec.image,
        hostname: spec.replica === undefined ? spec.service : `${spec.service}-${spec.replica}`,
        // An explicit primary network: the provider's "bridge" default would also attach every
        // container to the host bridge, and a changed default causes endless replacements.
        networkMode: spec.networks[0].name,
        networksAdvanced: spec.networks.map((n) => ({ name: n.name, aliases: n.aliases ?? [] })),
        envs,
        command: spec.command,
        ports: spec.ports ?? [],
        volumes: volumes.length > 0 ? volumes : undefined,
        uploads,
        labels: pulumi.all(extra).apply((e) => labelList(imstackLabels(spec.stack, spec.service, spec.tier, e))),
        healthcheck: spec.healthcheck ?? undefined,
        // Dependants are created only after this container reports healthy.
        wait: spec.healthcheck !== null,
        waitTimeout: spec.healthTimeoutSeconds,
        restart: "unless-stopped",
        memory: spec.resources.memoryMb,
        cpus: String(spec.resources.cpus),
        ...hardening("service"),
        user: spec.user,
        tmpfs: spec.tmpfs,
        readOnly: spec.readOnly,
        destroyGraceSeconds: spec.destroyGraceSeconds ?? 30,
    }, {
        ...opts,
        // A fixed name and fixed host ports collide if the new container starts first.
        deleteBeforeReplace: true,
        // Healthcheck edits are otherwise silently ignored (kreuzwerker#988).
        replaceOnChanges: ["healthcheck"],
    });
}

/** A healthcheck in the provider's shape; durations are Go durations. */
export function healthcheck(test: string[], o: { interval?: string; timeout?: string; startPeriod?: string; retries?: number } = {}): docker.types.input.ContainerHealthcheck {
    return {
        tests: test,
        interval: o.interval ?? "5s",
        timeout: o.timeout ?? "3s",
        startPeriod: o.startPeriod ?? "10s",
        retries: o.retries ?? 10,
    };
}

export function publish(enabled: boolean, internal: number, external: number, ip = "127.0.0.1"): docker.types.input.ContainerPort[] {
    return enabled ? [{ internal, external, ip, protocol: "tcp" }] : [];
}

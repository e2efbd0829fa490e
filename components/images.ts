// Every container references its image by id or digest, never by name: a name makes every
// `up` show a diff (pulumi-docker#325) and misses rebuilt images.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";

/** Pulls an official image and keeps it on destroy (other stacks may share it). */
export function pulledImage(resourceName: string, ref: string, parent: pulumi.Resource): pulumi.Output<string> {
    const image = new docker.RemoteImage(resourceName, { name: ref, keepLocally: true }, { parent });
    return image.imageId;
}

export interface AppImageSpec {
    /** Folder under the project holding the Dockerfile. */
    context: string;
    /** Local image name, e.g. imstack-dev/backend:latest. */
    imageName: string;
    args: Record<string, string>;
}

/** Builds an app image locally (never pushed) and returns its digest reference. */
export function builtImage(resourceName: string, spec: AppImageSpec, parent: pulumi.Resource): pulumi.Output<string> {
    const image = new docker.Image(resourceName, {
        imageName: spec.imageName,
        skipPush: true,
        build: {
            context: spec.context,
            dockerfile: `${spec.context}/Dockerfile`,
            args: spec.args,
        },
    }, { parent });
    return image.repoDigest;
}

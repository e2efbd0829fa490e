import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { objectLabels, resourcePrefix } from "../naming";

/** A data volume kept on destroy, and protected in prod, like the other data volumes. */
export function dataVolume(resourceName: string, stack: string, part: string, protect: boolean, parent: pulumi.Resource): docker.Volume {
    return new docker.Volume(resourceName, {
        name: `${resourcePrefix(stack)}-${part}`,
        labels: objectLabels(stack, { "com.imstack.volume": part }),
    }, { parent, retainOnDelete: true, protect });
}

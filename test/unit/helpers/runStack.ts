import * as pulumi from "@pulumi/pulumi";
import { ServiceAddon } from "../../../components/addons";
import { StackConfig } from "../../../components/config";
import { ImStack } from "../../../components/stack";
import { RecordingMocks, settled } from "./recordingMocks";
import { PROJECT_DIR } from "./stackFiles";

export interface MockRun {
    mocks: RecordingMocks;
    /** Resource options by "<type>::<name>", captured by a transformation (mocks never see them). */
    options: Map<string, pulumi.CustomResourceOptions>;
    stack: ImStack;
    outputs: Record<string, unknown>;
}

/** Builds the whole stack under fresh recording mocks and waits until it has settled. */
export async function runStack(config: StackConfig, files: Record<string, string> = {}, addons?: readonly ServiceAddon[]): Promise<MockRun> {
    const mocks = new RecordingMocks();
    await pulumi.runtime.setMocks(mocks, "imstack", config.stack, false);
    const options = new Map<string, pulumi.CustomResourceOptions>();
    const capture: pulumi.ResourceTransformation = (a) => {
        options.set(`${a.type}::${a.name}`, a.opts);
        return undefined;
    };
    const stack = new ImStack("imstack", {
        config,
        projectDir: PROJECT_DIR,
        addons,
        readFile: (p) => {
            if (!(p in files)) throw new Error(`test tried to read unexpected file ${p}`);
            return files[p];
        },
    }, { transformations: [capture] });
    const [publicUrl, urls, containers, networks, volumes] = await settled(
        stack.publicUrl, stack.urls, stack.containers, stack.networks, stack.volumes,
        stack.databaseUrl, stack.redisUrl, stack.s3Credentials, stack.adminDatabaseUrl,
    );
    // Give outstanding registrations (e.g. commands with no outputs awaited) a moment to land.
    let count = -1;
    while (count !== mocks.resources.length) {
        count = mocks.resources.length;
        await new Promise((r) => setTimeout(r, 20));
    }
    return { mocks, options, stack, outputs: { publicUrl, urls, containers, networks, volumes } };
}

// The imstack Pulumi program: read and validate config, build the stack, export outputs.
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseConfig, rawFromAllConfig } from "./components/config";
import { ImStack } from "./components/stack";

function loadConfig() {
    try {
        return parseConfig(rawFromAllConfig(pulumi.runtime.allConfig()), pulumi.getStack());
    } catch (e) {
        // One readable list of every problem instead of a stack trace.
        if (e instanceof ConfigError) throw new pulumi.RunError(e.message);
        throw e;
    }
}

const config = loadConfig();
const stack = new ImStack("imstack", { config, projectDir: __dirname });

export const stackName = config.stack;
export const environment = config.environment;
export const publicUrl = stack.publicUrl;
export const urls = stack.urls;
export const containers = stack.containers;
export const networks = stack.networks;
export const volumes = stack.volumes;
export const publishedPorts = stack.publishedPorts;
export const databaseUrl = stack.databaseUrl;
export const adminDatabaseUrl = stack.adminDatabaseUrl;
export const redisUrl = stack.redisUrl;
export const s3Credentials = stack.s3Credentials;
export const objectStore = stack.objectStore;
export const grafanaAdminPassword = stack.grafanaAdminPassword;
export const studioCredentials = stack.studioCredentials;
export const monitoringUrls = stack.monitoringUrls;

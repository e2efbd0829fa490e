// The hardening and log settings every one-shot container (init jobs, the secrets filler) shares,
// so a new one-shot cannot forget one of them.
import * as docker from "@pulumi/docker";

/** Options every one-shot container shares. */
export const ONE_SHOT: Pick<docker.ContainerArgs, "mustRun" | "attach" | "logs" | "restart" | "logDriver" | "logOpts" | "securityOpts" | "memory"> = {
    // Runs once per change of its inputs; an exited one-shot is not "drift".
    mustRun: false,
    attach: true,
    logs: true,
    restart: "no",
    logDriver: "json-file",
    logOpts: { "max-size": "1m", "max-file": "1" },
    securityOpts: ["no-new-privileges:true"],
    // The default; a one-shot that needs less or more says so.
    memory: 128,
};

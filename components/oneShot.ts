// The settings every one-shot container (init jobs, the secrets filler) shares, so a new
// one-shot cannot forget one of them; the hardening is the services' (components/hardening.ts).
import * as docker from "@pulumi/docker";
import { hardening } from "./hardening";

/** Options every one-shot container shares. */
export const ONE_SHOT: Pick<docker.ContainerArgs, "mustRun" | "attach" | "logs" | "restart" | "logDriver" | "logOpts" | "securityOpts" | "memory"> = {
    // Runs once per change of its inputs; an exited one-shot is not "drift".
    mustRun: false,
    attach: true,
    logs: true,
    restart: "no",
    ...hardening("one-shot"),
    // The default; a one-shot that needs less or more says so.
    memory: 128,
};

import * as assert from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { FORWARD_SCRIPT } from "../../components/devPorts";
import { freePort } from "../support/net";


describe("dev-ports forwarder script", function () {
    it("carries TCP both ways and exits cleanly on SIGTERM", async function () {
        const echo = net.createServer((c) => c.pipe(c)).listen(0, "127.0.0.1");
        await new Promise((r) => echo.once("listening", r));
        const target = (echo.address() as net.AddressInfo).port;
        const listen = await freePort();
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "fwd-")), "forward.js");
        fs.writeFileSync(file, FORWARD_SCRIPT);
        // The script listens on all interfaces inside its container; 127.0.0.1 is how it is reached here.
        const child = spawn(process.execPath, [file], { env: { FORWARDS: `${listen}=127.0.0.1:${target}` }, stdio: ["ignore", "pipe", "pipe"] });
        try {
            await new Promise<void>((resolve, reject) => {
                child.stdout.on("data", (d: Buffer) => { if (d.toString().includes("forwarding")) resolve(); });
                child.on("exit", (code) => reject(new Error(`forwarder exited ${code}`)));
            });
            const reply = await new Promise<string>((resolve, reject) => {
                const c = net.connect(listen, "127.0.0.1", () => c.write("ping over the forwarder"));
                c.on("data", (d) => { resolve(d.toString()); c.end(); });
                c.on("error", reject);
            });
            assert.strictEqual(reply, "ping over the forwarder");
        } finally {
            const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
            child.kill("SIGTERM");
            assert.strictEqual(await exited, 0);
            echo.close();
        }
    });

    it("refuses a malformed FORWARDS entry", async function () {
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "fwd-")), "forward.js");
        fs.writeFileSync(file, FORWARD_SCRIPT);
        const child = spawn(process.execPath, [file], { env: { FORWARDS: "5432=postgres" }, stdio: ["ignore", "pipe", "pipe"] });
        let err = "";
        child.stderr.on("data", (d) => (err += d));
        const code = await new Promise((r) => child.on("exit", r));
        assert.strictEqual(code, 2);
        assert.match(err, /bad FORWARDS entry: 5432=postgres/);
    });
});

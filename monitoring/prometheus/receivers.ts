// Alertmanager receivers from the stack config, and what `imctl doctor` says about them.
// The secret of a receiver (an email password, a webhook's bearer token) is typed S: an
// Output<string> in the program, a string in tests. The renderer only asks whether it is set and
// points Alertmanager at its file; the value goes to the secret file alone (receiverSecretFiles).

export interface WebhookReceiver<S = unknown> {
    kind: "webhook";
    /** Receiver name: letters, digits, `-` and `_`. */
    name: string;
    /**
     * Plain config, written into alertmanager.yml. Alertmanager 0.25 (Debian bookworm) has no
     * `url_file`, so a URL that embeds its credential cannot be kept secret: the credential goes
     * in `token` (sent as `Authorization: Bearer`), read from a file.
     */
    url: string;
    token?: S;
    sendResolved?: boolean;
}

export interface EmailReceiver<S = unknown> {
    kind: "email";
    name: string;
    to: string;
    from: string;
    /** host:port of the SMTP server. */
    smarthost: string;
    authUsername?: string;
    /** Read by Alertmanager from a file (`auth_password_file`, Alertmanager >= 0.25). */
    password?: S;
    /** Alertmanager's default is true: STARTTLS is required. */
    requireTls?: boolean;
}

export type AlertReceiver<S = unknown> = WebhookReceiver<S> | EmailReceiver<S>;

/** What `imctl doctor` reports when no receiver is configured. */
export const NO_RECEIVER_PROBLEM = "no alert receiver is configured: alerts stay in Alertmanager and reach no one";

/** Where Alertmanager reads the receivers' secrets (docs/conventions.md "Secrets": /run/secrets/<x>). */
export const ALERTMANAGER_SECRETS_DIR = "/run/secrets";

export function hasReceivers(receivers: readonly AlertReceiver[]): boolean {
    return receivers.length > 0;
}

/** The in-container file of a receiver's secret, or undefined when it has none. */
export function receiverSecretPath(r: AlertReceiver): string | undefined {
    if (r.kind === "webhook") return r.token === undefined ? undefined : `${ALERTMANAGER_SECRETS_DIR}/alertmanager-${r.name}-token`;
    return r.password === undefined ? undefined : `${ALERTMANAGER_SECRETS_DIR}/alertmanager-${r.name}-password`;
}

/** The secret files the Alertmanager container needs: path and the value to write there. */
export function receiverSecretFiles<S>(receivers: readonly AlertReceiver<S>[]): Array<{ path: string; value: S }> {
    return receivers.flatMap((r) => {
        const path = receiverSecretPath(r);
        const value = r.kind === "webhook" ? r.token : r.password;
        return path !== undefined && value !== undefined ? [{ path, value }] : [];
    });
}

function urlProblem(name: string, raw: string): string | undefined {
    let url: URL;
    try {
        url = new URL(raw);
    } catch {
        return `receiver ${name}: the webhook url is not a URL`;
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") return `receiver ${name}: the webhook url must be http or https`;
    // Said without the URL: its userinfo is a credential.
    if (url.username || url.password) return `receiver ${name}: the webhook url must not carry credentials; give them as the receiver's token`;
    return undefined;
}

function fieldProblems(r: AlertReceiver): string[] {
    if (r.kind === "webhook") {
        const p = urlProblem(r.name, r.url);
        return p ? [p] : [];
    }
    const out: string[] = [];
    const address = /^[^\s@]+@[^\s@]+$/;
    if (!r.to.split(",").every((a) => address.test(a.trim()))) out.push(`receiver ${r.name}: "to" must be email addresses`);
    if (!address.test(r.from)) out.push(`receiver ${r.name}: "from" must be an email address`);
    if (!/^[A-Za-z0-9.-]+:\d{1,5}$/.test(r.smarthost)) out.push(`receiver ${r.name}: smarthost must be host:port`);
    if ((r.authUsername === undefined) !== (r.password === undefined)) out.push(`receiver ${r.name}: auth username and password go together`);
    return out;
}

/** What is wrong with the receivers, for `imctl doctor`; the no-receiver case is one of them. */
export function receiverProblems(receivers: readonly AlertReceiver[]): string[] {
    if (!hasReceivers(receivers)) return [NO_RECEIVER_PROBLEM];
    return invalidReceivers(receivers);
}

/** Problems that stop rendering (no receiver at all is allowed: the null route). */
export function invalidReceivers(receivers: readonly AlertReceiver[]): string[] {
    const out: string[] = [];
    const seen = new Set<string>();
    for (const r of receivers) {
        if (!/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(r.name)) out.push(`receiver name "${r.name}" must be letters, digits, - and _`);
        else if (r.name === NULL_RECEIVER) out.push(`receiver name "${NULL_RECEIVER}" is reserved`);
        if (seen.has(r.name)) out.push(`receiver name "${r.name}" is used twice`);
        seen.add(r.name);
        out.push(...fieldProblems(r));
    }
    return out;
}

/** The receiver that drops every alert, routed to when none is configured. */
export const NULL_RECEIVER = "null";

// nginx's own answers (malformed requests, bodies over the limit, maintenance, rate limits,
// unreachable upstreams): where they live and the error pages that render them.

/** Where the restore flow's maintenance page and nginx's own answers live inside the container. */
export const ERRORS_URI = "/_imstack/errors";
export const ERRORS_ROOT = "/usr/share/nginx/imstack";

/**
 * Requests whose clients expect JSON (docs/api.md): the API, the websocket and /health. Matched
 * on the request line, which nginx has even when it refuses the URI itself as malformed.
 */
export const API_REQUEST_LINE = "~^[A-Z]+ /(api/|(ws|health)[? ])";

interface EdgeError {
    readonly status: number;
    /** nginx's internal codes answered with this status (494: header too large, 497: HTTP to the HTTPS port). */
    readonly catches: readonly number[];
    readonly error: string;
    readonly message: string;
    readonly title: string;
}

function edgeErrors(uploadMb: number, tlsServer: boolean): EdgeError[] {
    return [
        { status: 400, catches: [400, 494, ...(tlsServer ? [497] : [])], error: "bad_request", title: "Bad request", message: "the request is malformed" },
        { status: 413, catches: [413], error: "payload_too_large", title: "Request too large", message: `the request body exceeds the ${uploadMb} MB upload limit` },
        { status: 414, catches: [414], error: "uri_too_long", title: "URI too long", message: "the request URI is too long" },
    ];
}

const MAINTENANCE = {
    error: "maintenance",
    message: "the service is down for maintenance and will be back shortly",
    retryAfterSeconds: 60,
};

function jsonBody(error: string, message: string): string {
    return JSON.stringify({ error, message });
}

function htmlBody(title: string, message: string): string {
    return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1><p>${message.charAt(0).toUpperCase()}${message.slice(1)}.</p></body></html>`;
}

/** An nginx single-quoted string; the bodies above never hold a quote or a backslash. */
function quoted(text: string): string {
    if (/['\\]/.test(text)) throw new Error(`nginx renderer: ${JSON.stringify(text)} cannot be a quoted return body`);
    return `'${text}'`;
}

/**
 * nginx's own answers: JSON `{error, message}` on API routes and HTML on pages for malformed
 * requests, bodies over the limit and maintenance; JSON for rate limits and unreachable
 * upstreams everywhere. Each is an internal location, so it carries the security headers.
 */
export function errorHandling(uploadMb: number, tlsServer: boolean, location: (match: string, body: string[]) => string): { directives: string[]; locations: string[] } {
    const directives: string[] = [];
    const locations: string[] = [];
    const page = (name: string, body: string[]) => locations.push(location(`= ${ERRORS_URI}/${name}`, ["internal;", ...body]));
    for (const e of edgeErrors(uploadMb, tlsServer)) {
        directives.push(`error_page ${e.catches.join(" ")} ${ERRORS_URI}/${e.status}.$imstack_error_format;`);
        page(`${e.status}.json`, ["default_type application/json;", `return ${e.status} ${quoted(jsonBody(e.error, e.message))};`]);
        page(`${e.status}.html`, ["default_type text/html;", `return ${e.status} ${quoted(htmlBody(e.title, e.message))};`]);
    }
    const maintenanceHeaders = [`add_header Retry-After "${MAINTENANCE.retryAfterSeconds}" always;`, `add_header Cache-Control "no-store" always;`];
    directives.push(`error_page 503 ${ERRORS_URI}/503.$imstack_error_format;`);
    page("503.json", ["default_type application/json;", ...maintenanceHeaders, `return 503 ${quoted(jsonBody(MAINTENANCE.error, MAINTENANCE.message))};`]);
    // The page is a file so the restore flow's page can be read and changed without a render.
    page("503.html", [`root ${ERRORS_ROOT};`, ...maintenanceHeaders]);
    directives.push(`error_page 429 ${ERRORS_URI}/429.json;`);
    page("429.json", ["default_type application/json;", `add_header Retry-After "1" always;`,
        `return 429 ${quoted(jsonBody("rate_limited", "too many requests, slow down"))};`]);
    directives.push(`error_page 502 504 ${ERRORS_URI}/502.json;`);
    page("502.json", ["default_type application/json;",
        `return 502 ${quoted(jsonBody("upstream_unavailable", "the service is starting or unavailable, retry shortly"))};`]);
    return { directives, locations };
}

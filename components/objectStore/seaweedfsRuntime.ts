// How to run the SeaweedFS image (official chrislusf/seaweedfs or the local stand-in) as the
// stack's object store: the command after the image's entrypoint, its ports, the healthcheck and
// the bootstrap one-shot. Kept free of test code so the program can render the same values.

import { portOf } from '../../catalogue';

/** Where the identities file goes inside the container (the image's config folder). */
export const SEAWEEDFS_S3_CONFIG_PATH = '/etc/seaweedfs/s3.json';

/** The two ports other containers may reach; every other listener is on the container's loopback. */
export const SEAWEEDFS_PORTS = { s3: portOf('seaweedfs'), metrics: 9324 } as const;

/**
 * Listeners (upstream's default ports) bound to the container's loopback by seaweedfsServerArgs:
 * nothing outside the container reaches them; the healthcheck uses the HTTP ones. Not listed:
 * the S3 gateway's own gRPC port (18333) binds with the S3 port, and its IAM calls refuse peers
 * that are not on loopback unless a signing key is configured (upstream checkLocalPeer).
 */
export const SEAWEEDFS_LOOPBACK_PORTS = { master: 9333, volume: 8080, filer: 8888, masterGrpc: 19333, volumeGrpc: 18080, filerGrpc: 18888 } as const;

/**
 * Seconds `docker stop` waits before SIGKILL (the container's stopTimeout, and the provider's
 * destroyGraceSeconds). On SIGTERM the all-in-one server stops its parts one after the other,
 * each HTTP drain bounded by upstream's fixed 15 s: the S3 gateway waits for open downloads, the
 * volume server stops (-volume.preStopSeconds), then the filer retries writing its recent
 * metadata-log entries to the stopped volumes for up to 15 s (shutdownMetadataLogFlushBudget).
 * Measured here: ~2 s idle, ~17 s right after writes, ~32 s when an S3 connection also held the
 * drain to its bound; docker's default 10 s ends the latter two in SIGKILL. 60 covers the chain.
 */
export const SEAWEEDFS_STOP_GRACE_SECONDS = 60;

/** SigV4 region clients sign with. The gateway accepts any; the app contract's S3_REGION default. */
export const SEAWEEDFS_REGION = 'us-east-1';

/**
 * Arguments after the image's ENTRYPOINT. Its `server` branch prepends
 * `-dir=/data -volume.max=0 -master.volumeSizeLimitMB=1024`, so the data lives in /data.
 */
export function seaweedfsServerArgs(): string[] {
  return [
    'server',
    // Master, volume server and filer answer HTTP and gRPC without authentication; reachable from
    // the network they would bypass the S3 identities. They talk to each other over loopback.
    '-ip=127.0.0.1',
    '-ip.bind=127.0.0.1',
    '-s3',
    `-s3.port=${SEAWEEDFS_PORTS.s3}`,
    '-s3.ip.bind=0.0.0.0',
    `-s3.config=${SEAWEEDFS_S3_CONFIG_PATH}`,
    // Identities come from the file only: no embedded IAM API, no Iceberg/Lance catalog listeners.
    '-s3.iam=false',
    '-s3.port.iceberg=0',
    '-s3.port.lance=0',
    `-metricsPort=${SEAWEEDFS_PORTS.metrics}`,
    '-metricsIp=0.0.0.0',
    // On by default: the master would post cluster statistics to the project's telemetry server.
    '-master.telemetry=false',
    // The volume server's default 10 s pause before it stops would lengthen every stop by 10 s.
    '-volume.preStopSeconds=1',
  ];
}

/**
 * Healthy once the master has a leader, the volume server heartbeats to it, the filer reads its
 * store and the S3 gateway serves: before that an upload can fail. Runs inside the container.
 */
export const SEAWEEDFS_HEALTHCHECK: readonly string[] = [
  'CMD-SHELL',
  [
    `http://127.0.0.1:${SEAWEEDFS_LOOPBACK_PORTS.master}/cluster/healthz`,
    `http://127.0.0.1:${SEAWEEDFS_LOOPBACK_PORTS.volume}/healthz`,
    `http://127.0.0.1:${SEAWEEDFS_LOOPBACK_PORTS.filer}/healthz`,
    `http://127.0.0.1:${SEAWEEDFS_PORTS.s3}/healthz`,
  ].map((u) => `curl -fsS -o /dev/null ${u}`).join(' && '),
];

/**
 * Variables of the bootstrap one-shot: the admin identity's access key (not a secret, like the
 * backend's S3_ACCESS_KEY) and its secret key, which per docs/conventions.md "Secrets" arrives
 * as `S3_SECRET_KEY_FILE` naming a file (mode 0400, owned by the user the one-shot runs as).
 */
export const SEAWEEDFS_BOOTSTRAP_ENV = {
  endpoint: 'S3_ENDPOINT', bucket: 'S3_BUCKET', region: 'S3_REGION', accessKey: 'S3_ACCESS_KEY', secretKey: 'S3_SECRET_KEY',
} as const;

/**
 * `sh -c` script for a one-shot in the same image: creates the bucket as the admin identity
 * through the S3 API, and succeeds when it already exists. The identities themselves are static
 * in the gateway's file, so this is the whole bootstrap. The secret is read once and the file
 * emptied, so the exited container keeps no copy; it reaches curl through its config on stdin
 * (printf is a shell builtin), never through argv. That config quotes the keys, so neither may
 * hold `"` or `\`, nor the access key `:` (the script refuses them; generated keys qualify).
 */
export function seaweedfsBootstrapScript(): string {
  const e = { ...SEAWEEDFS_BOOTSTRAP_ENV, secretKeyFile: `${SEAWEEDFS_BOOTSTRAP_ENV.secretKey}_FILE` };
  // String.raw: the backslashes are the shell's.
  return String.raw`set -eu
secret="$(cat "$${e.secretKeyFile}")"
chmod u+w "$${e.secretKeyFile}" && : > "$${e.secretKeyFile}" && chmod 0400 "$${e.secretKeyFile}"
[ -n "$secret" ] || { echo "${e.secretKeyFile} ($${e.secretKeyFile}) is empty: already read by an earlier run of this container?" >&2; exit 1; }
case "$${e.accessKey}" in ''|*[:\"\\]*) echo '${e.accessKey} must be non-empty and hold no colon, backslash or double quote' >&2; exit 1 ;; esac
case "$secret" in *[\"\\]*) echo 'the secret key in ${e.secretKeyFile} must hold no backslash or double quote' >&2; exit 1 ;; esac
url="$${e.endpoint}/$${e.bucket}"
body="$(mktemp)"
# --retry-connrefused: the one-shot may start while the gateway is still binding.
code="$(printf 'user = "%s:%s"\n' "$${e.accessKey}" "$secret" | curl -sS -K - --aws-sigv4 "aws:amz:$${e.region}:s3" --retry 30 --retry-connrefused --retry-delay 1 --max-time 10 -o "$body" -w '%{http_code}' -X PUT "$url")"
case "$code" in
  200) echo "bucket $${e.bucket} created" ;;
  409) if grep -q BucketAlreadyOwnedByYou "$body"; then echo "bucket $${e.bucket} exists"; else echo "bucket $${e.bucket}: HTTP 409" >&2; cat "$body" >&2; exit 1; fi ;;
  *) echo "bucket $${e.bucket}: HTTP $code" >&2; cat "$body" >&2; exit 1 ;;
esac`;
}

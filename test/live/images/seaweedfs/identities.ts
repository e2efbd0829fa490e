// The SeaweedFS S3 gateway's static identities file (`weed ... -s3.config=FILE`, iam_pb
// S3ApiConfiguration as JSON). It names environment variables instead of holding keys: the
// gateway expands `${VAR}` in a static file's accessKey/secretKey at load and on SIGHUP, and
// drops a credential whose variable is unset or empty rather than accepting a blank key. The
// rendered file is therefore not secret and the keys travel only in the container's environment.
// Kept free of test code so the program can render the same file.

/** Environment variables the gateway takes each identity's keys from. */
export const SEAWEEDFS_KEY_ENV = {
  appAccessKey: 'SEAWEEDFS_APP_ACCESS_KEY',
  appSecretKey: 'SEAWEEDFS_APP_SECRET_KEY',
  adminAccessKey: 'SEAWEEDFS_ADMIN_ACCESS_KEY',
  adminSecretKey: 'SEAWEEDFS_ADMIN_SECRET_KEY',
} as const;

/** Identity names. The admin's is recorded as the owner of the buckets it creates: keep it stable. */
export const SEAWEEDFS_IDENTITY = { app: 'app', admin: 'admin' } as const;

export interface SeaweedfsCredential {
  readonly accessKey: string;
  readonly secretKey: string;
}

export interface SeaweedfsIdentity {
  readonly name: string;
  readonly credentials: readonly SeaweedfsCredential[];
  readonly actions: readonly string[];
}

export interface SeaweedfsS3Config {
  readonly identities: readonly SeaweedfsIdentity[];
}

// S3's bucket naming rules, which also keep the name free of the `*` and `?` that would turn
// "Read:<bucket>" into a wildcard grant over other buckets.
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Why `bucket` cannot be the app bucket, or undefined when it can. */
export function seaweedfsBucketNameProblem(bucket: string): string | undefined {
  if (!BUCKET_NAME.test(bucket)) return `bucket name "${bucket}" must be 3-63 characters of a-z, 0-9, "." and "-", starting and ending with a letter or digit`;
  if (bucket.includes('..')) return `bucket name "${bucket}" must not contain ".."`;
  if (/^\d+\.\d+\.\d+\.\d+$/.test(bucket)) return `bucket name "${bucket}" must not look like an IP address`;
  return undefined;
}

const ref = (name: string): string => `\${${name}}`;

/**
 * The app identity may read, write (which includes deleting objects) and list in `bucket` only;
 * bucket creation and deletion, policies, ACLs, tagging, versioning, lifecycle and the bucket
 * list are the admin's. The admin identity (the backup job's) may do everything.
 */
export function seaweedfsS3Config(bucket: string): SeaweedfsS3Config {
  const problem = seaweedfsBucketNameProblem(bucket);
  if (problem) throw new Error(problem);
  return {
    identities: [
      {
        name: SEAWEEDFS_IDENTITY.app,
        credentials: [{ accessKey: ref(SEAWEEDFS_KEY_ENV.appAccessKey), secretKey: ref(SEAWEEDFS_KEY_ENV.appSecretKey) }],
        actions: [`Read:${bucket}`, `Write:${bucket}`, `List:${bucket}`],
      },
      {
        name: SEAWEEDFS_IDENTITY.admin,
        credentials: [{ accessKey: ref(SEAWEEDFS_KEY_ENV.adminAccessKey), secretKey: ref(SEAWEEDFS_KEY_ENV.adminSecretKey) }],
        actions: ['Admin', 'Read', 'Write', 'List', 'Tagging'],
      },
    ],
  };
}

// The SeaweedFS S3 gateway's static identities file (`weed ... -s3.config=FILE`, iam_pb
// S3ApiConfiguration as JSON). SeaweedFS reads keys only from this file (or from `${VAR}`
// references in it, which would put them in the container's environment, against
// docs/conventions.md "Secrets"), so the rendered file holds the keys: upload it mode 0400,
// owned by the seaweed user (uid 1000), as a secret. Kept free of test code so the program can
// render the same file.

/** Identity names. The admin's is recorded as the owner of the buckets it creates: keep it stable. */
export const SEAWEEDFS_IDENTITY = { app: 'app', admin: 'admin' } as const;

/** The uid the official image runs weed as (its `seaweed` user): the file's owner. */
export const SEAWEEDFS_UID = 1000;

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

export interface SeaweedfsKeys {
  readonly app: SeaweedfsCredential;
  readonly admin: SeaweedfsCredential;
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

// The gateway refuses a file where two identities share an access key, and an empty key would
// be a credential nobody meant to grant; say which one is wrong instead (never the key itself).
function keyProblems(keys: SeaweedfsKeys): string[] {
  const problems: string[] = [];
  for (const who of ['app', 'admin'] as const) {
    if (!keys[who].accessKey) problems.push(`the ${who} access key is empty`);
    if (!keys[who].secretKey) problems.push(`the ${who} secret key is empty`);
  }
  if (keys.app.accessKey && keys.app.accessKey === keys.admin.accessKey) problems.push('the app and admin access keys are the same');
  return problems;
}

/**
 * The app identity may read, write (which includes deleting objects and multipart uploads) and
 * list in `bucket` only; creating and deleting buckets, policies, ACLs, tagging, versioning and
 * lifecycle are the admin's. The admin identity (the backup job's) may do everything.
 */
export function seaweedfsS3Config(bucket: string, keys: SeaweedfsKeys): SeaweedfsS3Config {
  const bucketProblem = seaweedfsBucketNameProblem(bucket);
  const problems = [...(bucketProblem ? [bucketProblem] : []), ...keyProblems(keys)];
  if (problems.length) throw new Error(`cannot render the SeaweedFS identities: ${problems.join('; ')}`);
  return {
    identities: [
      {
        name: SEAWEEDFS_IDENTITY.app,
        credentials: [{ accessKey: keys.app.accessKey, secretKey: keys.app.secretKey }],
        actions: [`Read:${bucket}`, `Write:${bucket}`, `List:${bucket}`],
      },
      {
        name: SEAWEEDFS_IDENTITY.admin,
        credentials: [{ accessKey: keys.admin.accessKey, secretKey: keys.admin.secretKey }],
        actions: ['Admin', 'Read', 'Write', 'List', 'Tagging'],
      },
    ],
  };
}

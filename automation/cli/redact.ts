// A last line of defence for "secrets never appear in output": every string imctl writes
// passes through a Redactor that knows the secret values this process has touched
// (passphrase, credentials read from containers). Registration happens where a secret
// is read, so no code path has to remember to mask.

const MIN_SECRET_LENGTH = 4;

export class Redactor {
  private readonly secrets = new Set<string>();

  /** Remember a secret value; short values are ignored to avoid masking ordinary words. */
  add(value: string | undefined | null): void {
    if (!value || value.length < MIN_SECRET_LENGTH) return;
    this.secrets.add(value);
    // URL-encoded forms show up inside connection strings.
    const encoded = encodeURIComponent(value);
    if (encoded !== value) this.secrets.add(encoded);
  }

  redact(text: string): string {
    let out = text;
    // Longest first, so a secret containing another secret is masked whole.
    for (const s of [...this.secrets].sort((a, b) => b.length - a.length)) {
      if (out.includes(s)) out = out.split(s).join('[secret]');
    }
    return maskUrlPasswords(out);
  }
}

/** Masks the password part of `scheme://user:password@host` URLs. */
export function maskUrlPasswords(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^\s:@/]*:)([^\s@/]+)(@)/gi, '$1[secret]$3');
}

// Recognising Automation API failures by kind, so the CLI can map them to exit codes.

interface CommandResultLike {
  stdout?: string;
  stderr?: string;
  code?: number;
  err?: { code?: string; message?: string };
}

function resultOf(e: unknown): CommandResultLike | undefined {
  // Duck-typed so this module does not load the Automation API.
  const r = (e as { commandResult?: CommandResultLike } | undefined)?.commandResult;
  return e instanceof Error && r && typeof r === 'object' ? r : undefined;
}

/** True when spawning `pulumi` failed because the binary is not on PATH. */
export function isPulumiMissing(e: unknown): boolean {
  const r = resultOf(e);
  if (r?.err?.code === 'ENOENT') return true;
  const text = e instanceof Error ? e.message : '';
  return /spawn \S*pulumi\S* ENOENT/.test(text) || (r?.code === -2 && /ENOENT/.test(r.stderr ?? ''));
}

/** The most useful line of a failed pulumi command: its first `error:` line. */
export function pulumiErrorLine(e: unknown): string | undefined {
  const r = resultOf(e);
  const text = r?.stderr ?? (e instanceof Error ? e.message : '');
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  const err = lines.find((l) => /^error:/i.test(l));
  return (err ?? lines[0])?.replace(/^error:\s*/i, '');
}

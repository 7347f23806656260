/** The `prismaDown` settings section as the server reads it (pure: no `vscode`, unit-tested). */

export const SECTION = 'prismaDown';
/** The keys the server reads (core/settings.py); the rest of the section is the client's. */
export const SERVER_KEYS = ['migrationsPath', 'dialect', 'rules', 'archiveSuffix', 'verify'] as const;

function unset(value: unknown): boolean {
  return value === null || value === undefined || value === '';
}

/** `verify` holds three keys the server reads, `databaseUrl`, `partial` and `empty` (the
 * last two only when on); nothing at all when none is set. */
function verifySection(value: unknown): Record<string, unknown> | undefined {
  if (value === null || typeof value !== 'object') {
    return undefined;
  }
  const raw = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  if (!unset(raw.databaseUrl)) {
    out.databaseUrl = raw.databaseUrl;
  }
  if (raw.partial === true) {
    out.partial = true;
  }
  if (raw.empty === true) {
    out.empty = true;
  }
  return Object.keys(out).length ? out : undefined;
}

/**
 * The part of a `prismaDown` section the server understands, without unset values: the
 * server reports an empty string as a bad value, and `null` means "not set" here.
 */
export function forServer(section: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (section === null || typeof section !== 'object') {
    return out;
  }
  const raw = section as Record<string, unknown>;
  for (const key of SERVER_KEYS) {
    const value = key === 'verify' ? verifySection(raw[key]) : raw[key];
    if (unset(value)) {
      continue;
    }
    out[key] = value;
  }
  return out;
}

/** Where in a user's file something is wrong. */
export interface SourceLocation {
  file?: string;
  line?: number;
  field?: string;
}

/**
 * An error the user can act on: what is wrong, where, and what to do.
 * exitCode 2 is bad input or an environment that is not ready; 1 is a failed check or finding.
 */
export class WglabError extends Error {
  readonly location: SourceLocation;
  readonly hint?: string;
  readonly exitCode: 1 | 2;

  constructor(
    message: string,
    options: { location?: SourceLocation; hint?: string; exitCode?: 1 | 2; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'WglabError';
    this.location = options.location ?? {};
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? 2;
  }

  /** `wglab: <what is wrong> (<file>:<line> <field>)` and, on the next line, what to do. */
  format(): string {
    const where = formatLocation(this.location);
    const head = `wglab: ${this.message}${where ? ` (${where})` : ''}`;
    return this.hint ? `${head}\n  hint: ${this.hint}` : head;
  }
}

export function formatLocation(location: SourceLocation): string {
  const place = [location.file, location.line].filter((part) => part !== undefined).join(':');
  return [place, location.field].filter(Boolean).join(' ');
}

/** Several input errors found at once, reported together. */
export class WglabErrors extends WglabError {
  readonly errors: WglabError[];

  constructor(errors: WglabError[]) {
    // The first problem's place and hint, for callers that read one (format() prints them all).
    super(errors.map((error) => error.message).join('; '), {
      exitCode: 2,
      location: errors[0]?.location,
      hint: errors[0]?.hint,
    });
    this.errors = errors;
  }

  override format(): string {
    return this.errors.map((error) => error.format()).join('\n');
  }
}

/** The first line of an error's message (or of what was thrown): what one-line messages quote. */
export function firstLine(error: unknown): string {
  const message = (error as { message?: unknown } | null | undefined)?.message;
  return String(message ?? error).split('\n')[0] ?? '';
}

import { shellCommands } from './shell-words.ts';

/** One simple command a hook runs, its words expanded; `unreadable` when an expansion or construct is not modelled. */
export interface Invocation {
  words: string[];
  origin: string;
  unreadable?: string;
}

export interface ShellContext {
  /** The interface `%i` stands for. */
  iface: string;
  /** What `wg show <iface> fwmark` prints: `0x1234`, or `off`. */
  fwmarkOf: (iface: string) => string;
  /** Files on the node by absolute path; undefined content: named in `files:` but not readable. */
  files: Readonly<Record<string, string | undefined>>;
  origin: string;
}

const controlWords = new Set([
  'if',
  'then',
  'else',
  'elif',
  'fi',
  'for',
  'while',
  'until',
  'do',
  'done',
  'function',
  '{',
  '}',
]);
const shells = new Set(['sh', 'bash', 'dash', 'zsh']);
/** Programs a hook may name by path that are the system's own, not a script to read. */
const systemPrograms =
  /^(ip|ip6?tables(-legacy|-nft|-save|-restore)?|nft|sysctl|wg|wg-quick|echo|printf|logger|true|false|resolvconf|resolvectl|systemctl|modprobe)$/;

/**
 * What a wg-quick hook runs: `%i` replaced, split into simple commands, `$(wg show %i fwmark)` and variables
 * expanded, and a script from the node's files read in its place (with its arguments and `case "$1" in` branches).
 */
export function expandHook(command: string, context: ShellContext): Invocation[] {
  return runScript(command.replaceAll('%i', context.iface), [], context, 0);
}

function runScript(text: string, args: readonly string[], context: ShellContext, depth: number): Invocation[] {
  const vars = new Map<string, string>(args.map((arg, index) => [String(index + 1), arg]));
  const invocations: Invocation[] = [];
  const caseStack: { subject: string; active: boolean; matched: boolean }[] = [];
  for (const raw of shellCommands(withoutComments(text))) {
    const first = raw[0]!;
    if (first === 'case' && raw[2] === 'in') {
      const subject = expand(raw[1] ?? '', vars, context);
      caseStack.push({ subject: subject ?? '', active: false, matched: false });
      continue;
    }
    if (first === 'esac') {
      caseStack.pop();
      continue;
    }
    const current = caseStack.at(-1);
    if (current && raw.length >= 1 && /\)$/.test(first) && !first.startsWith('$(')) {
      const pattern = first.slice(0, -1).replace(/^\(/, '');
      current.active = !current.matched && globMatches(pattern, current.subject);
      current.matched ||= current.active;
      if (raw.length === 1) continue;
      raw.shift();
    }
    if (caseStack.some((entry) => !entry.active)) continue;
    if (controlWords.has(raw[0]!) || raw.some((word) => word === '()' || /^\w+\(\)$/.test(word))) {
      return [
        ...invocations,
        { words: raw, origin: context.origin, unreadable: `the shell construct \`${raw[0]}\` is not read` },
      ];
    }
    const assignment = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(raw[0]!);
    if (assignment && raw.length === 1) {
      const value = expand(assignment[2]!, vars, context);
      if (value === undefined) {
        invocations.push({
          words: raw,
          origin: context.origin,
          unreadable: `\`${raw[0]}\` sets ${assignment[1]} from a command it cannot read`,
        });
        vars.set(assignment[1]!, '');
      } else vars.set(assignment[1]!, value);
      continue;
    }
    const words: string[] = [];
    let unreadable: string | undefined;
    for (const word of raw) {
      const value = expand(word, vars, context);
      if (value === undefined) unreadable ??= `\`${word}\` is a substitution it cannot read`;
      words.push(value ?? word);
    }
    const program = words[0] === 'sudo' || words[0] === 'exec' ? words.slice(1) : words;
    const scriptPath = shells.has(program[0] ?? '') ? program[1] : program[0];
    const script = scriptPath !== undefined && scriptPath.startsWith('/') ? scriptPath : undefined;
    const system = script !== undefined && systemPrograms.test(script.split('/').at(-1)!);
    if (!unreadable && script !== undefined && (script in context.files || shells.has(program[0] ?? '') || !system)) {
      const content = context.files[script];
      if (content === undefined || depth >= 3) {
        invocations.push({
          words,
          origin: context.origin,
          unreadable: `the script ${script} is not among the node's files: (nothing tells what it does)`,
        });
        continue;
      }
      const scriptArgs = shells.has(program[0] ?? '') ? program.slice(2) : program.slice(1);
      invocations.push(
        ...runScript(content, scriptArgs, { ...context, origin: `${context.origin} via ${script}` }, depth + 1),
      );
      continue;
    }
    invocations.push({ words, origin: context.origin, ...(unreadable ? { unreadable } : {}) });
  }
  return invocations;
}

/** Drops `#` comments (a `#` at the start of a word, outside quotes). */
function withoutComments(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      let quote: string | undefined;
      for (let index = 0; index < line.length; index++) {
        const char = line[index]!;
        if (quote) {
          if (char === quote) quote = undefined;
        } else if (char === '"' || char === "'") quote = char;
        else if (char === '#' && (index === 0 || /\s/.test(line[index - 1]!))) return line.slice(0, index);
      }
      return line;
    })
    .join('\n');
}

function globMatches(pattern: string, subject: string): boolean {
  return pattern.split('|').some((one) =>
    new RegExp(
      `^${one
        .replace(/[.+^${}()[\]\\]/g, '\\$&')
        .replaceAll('*', '.*')
        .replaceAll('?', '.')}$`,
    ).test(subject),
  );
}

/** A word with `$(wg show X fwmark)`, `$var`, `${var}` and `$1` expanded; undefined for any other substitution. */
export function expand(word: string, vars: ReadonlyMap<string, string>, context: ShellContext): string | undefined {
  let unreadable = false;
  const substituted = word.replace(
    /\$\(([^()]*)\)|`([^`]*)`/g,
    (_, inner: string | undefined, back: string | undefined) => {
      const command = (inner ?? back ?? '').trim().replace(/"/g, '');
      const match = /^wg\s+show\s+(\S+)\s+fwmark$/.exec(command);
      if (!match) {
        unreadable = true;
        return '';
      }
      const iface = match[1]!.replace(/^\$\{?(\w+)\}?$/, (_whole, name: string) => vars.get(name) ?? '');
      return context.fwmarkOf(iface);
    },
  );
  if (unreadable) return undefined;
  return substituted.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, braced: string | undefined, plain: string | undefined) => {
    return vars.get((braced ?? plain)!) ?? '';
  });
}

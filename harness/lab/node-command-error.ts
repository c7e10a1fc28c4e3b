import { WglabError } from '../errors.ts';

/** A command that failed in a lab node: which node, which command, its exit code and what it printed. */
export class NodeCommandError extends WglabError {
  readonly node: string;
  readonly command: string[];
  readonly commandExitCode: number;
  readonly stderr: string;

  constructor(node: string, command: string[], exitCode: number, stdout: string, stderr: string, hint?: string) {
    const printed = (stderr.trim() || stdout.trim()).split('\n').slice(-12).join('\n    ');
    super(
      `command failed in node ${node} (exit ${exitCode}): ${command.join(' ')}${printed ? `\n    ${printed}` : ''}`,
      {
        exitCode: 2,
        hint: hint ?? `look inside with: wglab exec --lab <id> ${node} -- sh`,
      },
    );
    this.node = node;
    this.command = command;
    this.commandExitCode = exitCode;
    this.stderr = stderr;
  }
}

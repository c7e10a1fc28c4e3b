import type { WgConfig, WgLine } from './wg-config.ts';

/** Writes a wg-quick file: lines read from a file come back as they were, new lines as `Key = Value`. */
export function serializeWgConfig(config: WgConfig): string {
  const text = config.lines.map(formatLine).join('\n');
  return config.finalNewline ? `${text}\n` : text;
}

function formatLine(line: WgLine): string {
  if (line.raw !== undefined) return line.raw;
  switch (line.type) {
    case 'blank':
      return '';
    case 'comment':
      return `# ${line.text}`;
    case 'section':
      return `[${line.name}]`;
    case 'entry':
      return `${line.key} = ${line.value}`;
  }
}

import { createTwoFilesPatch } from 'diff';
import { configFile } from '../wgconf/scenario-configs.ts';

/** What changed in each endpoint's wg-quick files (keyed as scenarioConfigs keys them) since the previous step, as unified diffs (keys redacted). */
export function configChanges(before: Map<string, string>, after: Map<string, string>): string[] {
  const nodes = [...new Set([...before.keys(), ...after.keys()])].sort();
  if (nodes.length === 0) return ['configs: no WireGuard in this step'];
  const lines: string[] = [];
  for (const node of nodes) {
    const old = before.get(node);
    const now = after.get(node);
    if (old === now) {
      lines.push(`${node}/wg0.conf: unchanged`);
      continue;
    }
    const patch = createTwoFilesPatch(
      configFile(node),
      configFile(node),
      old ?? '',
      now ?? '',
      old === undefined ? '(none)' : 'previous step',
      now === undefined ? '(removed)' : 'this step',
      { context: 1 },
    );
    lines.push(
      ...patch
        .split('\n')
        .filter(
          (line) => line !== '' && !line.startsWith('Index:') && !line.startsWith('====') && !line.startsWith('\\'),
        ),
    );
  }
  return lines;
}

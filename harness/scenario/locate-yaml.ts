import { isMap, isScalar, isSeq, LineCounter, type Document, type Node } from 'yaml';

/** Finds the line (1-based) of a field path in a parsed YAML document; with `atKey`, the line of the key itself. */
export function lineOfPath(
  document: Document,
  lineCounter: LineCounter,
  path: readonly (string | number)[],
  atKey = false,
): number | undefined {
  let node: unknown = document.contents;
  let line: number | undefined = rangeLine(node, lineCounter);
  for (const [index, segment] of path.entries()) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
      if (!pair) return line;
      const last = index === path.length - 1;
      line = rangeLine(last && atKey ? pair.key : (pair.value ?? pair.key), lineCounter) ?? line;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      node = node.items[segment];
      line = rangeLine(node, lineCounter) ?? line;
    } else {
      return line;
    }
  }
  return line;
}

function rangeLine(node: unknown, lineCounter: LineCounter): number | undefined {
  const range = (node as Node | undefined)?.range;
  return range ? lineCounter.linePos(range[0]).line : undefined;
}

/** A wg-quick file with its PrivateKey and PresharedKey values replaced, for logs, reports and artifacts. */
export function redactWgConfig(text: string): string {
  return text.replace(/^(\s*(?:PrivateKey|PresharedKey)\s*=\s*)\S+/gim, '$1(redacted)');
}

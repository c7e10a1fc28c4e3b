import test from 'ava';
import { readFileSync } from 'node:fs';
import { parseWgConfig } from '../parse-wg-config.ts';
import { lintWgConfigs } from './lint-wg-configs.ts';

/**
 * wg-quick files people published (fixtures/real-world/README.md gives each one's source). Each setup is linted
 * together, as `wglab lint FILE...` would; `expectRules` are the rules whose fault the manifest says is in the file
 * (for working files: what pasting did to it, such as redacted keys, and doubts such as a hostname Endpoint).
 */
interface Entry {
  file: string;
  setup?: string;
  status: 'working' | 'broken';
  expectRules: string[];
}

const dir = new URL('../../../fixtures/real-world/', import.meta.url);
const entries = (JSON.parse(readFileSync(new URL('manifest.json', dir), 'utf8')) as { configs: Entry[] }).configs;
const setups = new Map<string, Entry[]>();
for (const entry of entries)
  setups.set(entry.setup || entry.file, [...(setups.get(entry.setup || entry.file) ?? []), entry]);

test('the corpus holds at least 20 published files, working and broken', (t) => {
  t.true(entries.length >= 20);
  t.true(entries.filter((entry) => entry.status === 'working').length >= 10);
  t.true(entries.filter((entry) => entry.status === 'broken').length >= 5);
  t.true(
    [...setups.values()].some((files) => files.length >= 3),
    'a setup of three or more files is linted as one',
  );
});

for (const [setup, files] of setups) {
  test(`real-world ${setup}: ${files.map((entry) => `${entry.file} (${entry.status})`).join(', ')}`, (t) => {
    const findings = lintWgConfigs(
      files.map((entry) => ({
        file: entry.file,
        config: parseWgConfig(readFileSync(new URL(entry.file, dir), 'utf8'), entry.file),
      })),
    );
    for (const entry of files) {
      const own = findings.filter((finding) => finding.file === entry.file);
      const shown = own
        .map((finding) => `${finding.line} ${finding.severity} ${finding.rule}: ${finding.message}`)
        .join('\n');
      for (const rule of entry.expectRules)
        t.true(
          own.some((finding) => finding.rule === rule),
          `${entry.file}: ${rule} expected\n${shown}`,
        );
      if (entry.status === 'working') {
        const unexpected = own.filter(
          (finding) => finding.severity === 'error' && !entry.expectRules.includes(finding.rule),
        );
        t.deepEqual(unexpected, [], `${entry.file} works as published: no error beyond what pasting did to it`);
      }
    }
  });
}

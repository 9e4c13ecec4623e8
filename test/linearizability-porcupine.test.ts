import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { parseHistory } from '../src/check/history-formats.ts';
import { checkHistory } from '../src/check/linearizability/index.ts';

/**
 * Porcupine's real Jepsen histories (vendored in test/fixtures/porcupine with
 * their MIT licence) are the external oracle: every one must get the verdict
 * Porcupine's own tests give it.
 */

const FIXTURES = fileURLToPath(new URL('./fixtures/porcupine/', import.meta.url));
const verdicts = JSON.parse(readFileSync(FIXTURES + 'verdicts.json', 'utf8')) as Record<string, Record<string, boolean>>;

function check(group: string, file: string) {
  const parsed = parseHistory(readFileSync(`${FIXTURES}${group}/${file}`, 'utf8'), file);
  return { parsed, result: checkHistory(parsed.events, { model: parsed.model }) };
}

describe('every Jepsen etcd history gets its known verdict', () => {
  const files = readdirSync(FIXTURES + 'jepsen-etcd').sort();

  test('the fixtures hold all 103 etcd logs (102 with verdicts, and the empty etcd_095)', () => {
    expect(files).toHaveLength(103);
    expect(Object.keys(verdicts['jepsen-etcd']!)).toHaveLength(102);
  });

  test.each(Object.entries(verdicts['jepsen-etcd']!))('%s is linearizable: %s', (file, expected) => {
    const { parsed, result } = check('jepsen-etcd', file);
    expect(parsed.format).toBe('jepsen-log');
    expect(parsed.model).toBe('register');
    expect(result.linearizable).toBe(expected);
    expect(result.failure !== undefined).toBe(!expected);
  });

  test('the empty etcd_095.log is linearizable with a note, not an error', () => {
    const { parsed, result } = check('jepsen-etcd', 'etcd_095.log');
    expect(parsed.events).toEqual([]);
    expect(result).toMatchObject({ linearizable: true, keysChecked: 0 });
    expect(result.note).toMatch(/empty history/);
  });
});

describe('every key-value history gets its known verdict, key by key', () => {
  test.each(Object.entries(verdicts['kv']!))('%s is linearizable: %s', (file, expected) => {
    const { parsed, result } = check('kv', file);
    expect(parsed.format).toBe('jepsen-edn');
    expect(parsed.model).toBe('kv');
    expect(result.linearizable).toBe(expected);
    if (expected) expect(result.keysChecked).toBe(new Set(parsed.events.map((e) => e.key)).size);
  });
});

describe('a failure names the key, a linearizable prefix and the conflicting window', () => {
  test('etcd_000: a read of a value no write could have left there', () => {
    const { result } = check('jepsen-etcd', 'etcd_000.log');
    const failure = result.failure!;
    expect(failure.key).toBe('');
    expect(failure.linearizedPrefix.length).toBeGreaterThan(0);
    expect(failure.conflicting.length).toBeGreaterThan(0);
    // Plain data: survives a JSON round trip unchanged.
    expect(JSON.parse(JSON.stringify(failure))).toEqual(failure);
  });

  test('c10-bad: a stale get on one key', () => {
    const { result } = check('kv', 'c10-bad.txt');
    const failure = result.failure!;
    expect(failure.spec).toBe('kv');
    expect(failure.conflicting.some((op) => op.f === 'get')).toBe(true);
  });
});

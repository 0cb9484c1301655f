// The PostgreSQL verifier's canonical forms: JSON compared as values with every digit kept (json-canonical.ts),
// and the rule each column gets from its MySQL type and the type PostgreSQL has for it (canonical.ts).
// The SQL of each rule is run on both servers by test/integration/postgres-verify.test.ts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalJson, canonicalNumber } from '../../engine/sink/postgres/json-canonical.js';
import { canonicalRule, mysqlRowHash, pgRowHash } from '../../engine/sink/postgres/canonical.js';
import type { ColumnInfo } from '../../engine/core/tables.js';

const col = (name: string, dataType: string, columnType = dataType, nullable = true): ColumnInfo => ({ name, dataType, columnType, charset: null, collation: null, nullable, generated: false });

describe('canonical JSON (compared in Node)', () => {
  it('numbers: exact decimals, equal values equal whatever their text, no rounding through a double', () => {
    assert.equal(canonicalNumber('2.50'), canonicalNumber('2.5'));
    assert.equal(canonicalNumber('-0'), '0');
    assert.equal(canonicalNumber('0.000'), '0');
    assert.equal(canonicalNumber('1e400'), canonicalNumber('10e399'));
    assert.equal(canonicalNumber('100'), canonicalNumber('1e2'));
    assert.equal(canonicalNumber('0.001'), canonicalNumber('1E-3'));
    assert.notEqual(canonicalNumber('18446744073709551615'), canonicalNumber('18446744073709551614'));
    assert.notEqual(canonicalNumber('9007199254740993'), canonicalNumber('9007199254740992'));
    assert.notEqual(canonicalNumber('-1'), canonicalNumber('1'));
  });

  it('documents: key order, spacing, duplicate keys (the last wins, as in jsonb) and escapes do not matter; values do', () => {
    const mariadb = '{"spaced" :  [ 1 , 2 ] ,"dup": 1, "dup": 2, "esc": "\\u00e9\\"", "big": 123456789012345678901234567890}';
    const jsonb = '{"dup": 2, "big": 123456789012345678901234567890, "esc": "é\\"", "spaced": [1, 2]}';
    assert.equal(canonicalJson(mariadb), canonicalJson(jsonb));
    assert.notEqual(canonicalJson('{"a": [1, 2]}'), canonicalJson('{"a": [2, 1]}'));
    assert.notEqual(canonicalJson('{"a": null}'), canonicalJson('{}'));
    assert.notEqual(canonicalJson('"1"'), canonicalJson('1'));
    assert.equal(canonicalJson('"\\ud83d\\ude00"'), canonicalJson('"😀"'));
    assert.match(canonicalJson('{"a": '), /^invalid:/);
  });
});

describe('canonical rules (MySQL side and PostgreSQL side of each type)', () => {
  it('each type family gets its rule from the MySQL type and the PostgreSQL column type', () => {
    const fam = (c: ColumnInfo, pgType: string, policy: 'stop' | 'null' | '-infinity' | 'text' = 'stop'): string => canonicalRule(c, pgType, policy).family;
    assert.match(fam(col('a', 'bigint', 'bigint(20) unsigned'), 'numeric'), /integer/);
    assert.match(fam(col('a', 'decimal', 'decimal(10,2)'), 'numeric'), /DECIMAL/);
    assert.match(fam(col('a', 'float'), 'real'), /FLOAT/);
    assert.match(fam(col('a', 'double'), 'double precision'), /DOUBLE/);
    assert.match(fam(col('a', 'datetime', 'datetime(6)'), 'timestamp without time zone'), /DATETIME\(6\)/);
    assert.match(fam(col('a', 'datetime', 'datetime(6)'), 'text', 'text'), /policy "text"/);
    assert.match(fam(col('a', 'time', 'time(6)'), 'interval'), /microseconds/);
    assert.match(fam(col('a', 'longtext'), 'jsonb'), /JSON/);
    assert.match(fam(col('a', 'json'), 'jsonb'), /JSON/);
    assert.match(fam(col('a', 'point'), 'bytea'), /EWKB/);
    assert.match(fam(col('a', 'bit', 'bit(13)'), 'bit varying'), /BIT/);
    assert.match(fam(col('a', 'enum', "enum('x','y')"), 'text'), /ENUM/);
    assert.match(fam(col('a', 'varbinary', 'varbinary(10)'), 'bytea'), /binary/);
    // A "sink.types" override the rules do not know: both sides' text.
    assert.equal(fam(col('a', 'time'), 'text'), 'text of the value');
  });

  it('a zero date is compared as what the policy wrote; NUL text as NULL under "null"; JSON stays out of the SQL row hash', () => {
    assert.match(canonicalRule(col('d', 'date'), 'date', '-infinity').mysql, /'-infinity'/);
    assert.match(canonicalRule(col('d', 'date'), 'date', 'null').mysql, /NULL\)$/);
    assert.doesNotMatch(canonicalRule(col('d', 'date', 'date', false), 'date', 'null').mysql, /IF\(/);
    assert.match(canonicalRule(col('t', 'text'), 'text', 'null').mysql, /LOCATE\(_utf8mb4 X'00'/);
    const rules = [canonicalRule(col('id', 'int'), 'integer', 'stop'), canonicalRule(col('j', 'json'), 'jsonb', 'stop')];
    assert.doesNotMatch(mysqlRowHash(rules), /`j`/);
    assert.doesNotMatch(pgRowHash(rules), /"j"/);
    assert.match(mysqlRowHash(rules), /`id`/);
  });
});

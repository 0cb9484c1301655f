#!/usr/bin/env python3
# An independent reader for the search sink's tests: it shares no code with Cutover. It reads a source
# table with the `mariadb` client and every document of its index over HTTP (urllib, the scroll API), and
# checks each document's _id and _source against the source row's text form by the rules README
# documents ("Elasticsearch / OpenSearch sink"). Prints one line per difference; exit 0 when none.
#
#   search-reader.py --mysql 'host port user password' --db DB --url http://127.0.0.1:9200 --table T --index INDEX [--table T2 --index INDEX2 …]
#
# Several tables are read in one run, each against the index named after it; the exit code is 1 when any differs.
import argparse
import base64
import json
import re
import struct
import subprocess
import sys
import urllib.request


class Num(str):
    """A JSON number token, kept as its exact text."""


def loads(text):
    return json.loads(text, parse_int=Num, parse_float=Num)


def http(url, body=None, method=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method or ('POST' if data else 'GET'), headers={'content-type': 'application/json'})
    with urllib.request.urlopen(req, timeout=120) as r:
        return loads(r.read().decode('utf-8'))


def repeats_name(text):
    """Whether the JSON text has an object naming one member twice."""
    found = []

    def hook(pairs):
        names = [k for k, _ in pairs]
        if len(set(names)) != len(names):
            found.append(True)
        return dict(pairs)
    json.loads(text, object_pairs_hook=hook, parse_int=Num, parse_float=Num)
    return bool(found)


def mariadb(conn, db, sql):
    host, port, user, password = conn.split()
    r = subprocess.run(['mariadb', '--no-defaults', '-h', host, '-P', port, '-u', user, f'-p{password}', '--batch', '--raw', '--skip-column-names', db, '-e', sql],
                       capture_output=True, timeout=300)
    if r.returncode != 0:
        sys.exit(f'mariadb: {r.stderr.decode(errors="replace")}')
    return [line.split('\t') for line in r.stdout.decode('utf-8').split('\n') if line != '']


TEXT_HEX = {'char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext', 'enum', 'set'}
BINARY = {'binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob', 'geometry', 'point', 'linestring', 'polygon',
          'multipoint', 'multilinestring', 'multipolygon', 'geometrycollection'}
SAFE_INT = {'tinyint', 'smallint', 'mediumint', 'int', 'year'}


def q(name):
    return '`' + name.replace('`', '``') + '`'


def main():
    a = argparse.ArgumentParser()
    a.add_argument('--mysql', required=True)
    a.add_argument('--db', required=True)
    a.add_argument('--table', required=True, action='append')
    a.add_argument('--url', required=True)
    a.add_argument('--index', required=True, action='append')
    o = a.parse_args()
    if len(o.table) != len(o.index):
        sys.exit('give one --index per --table')
    failed = False
    for table, index in zip(o.table, o.index):
        if not check(argparse.Namespace(mysql=o.mysql, db=o.db, table=table, url=o.url, index=index)):
            failed = True
    sys.exit(1 if failed else 0)


def check(o):
    esc = lambda s: s.replace("'", "''")
    cols = mariadb(o.mysql, 'information_schema',
                   f"SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, IFNULL(CHARACTER_SET_NAME,''), EXTRA FROM COLUMNS WHERE TABLE_SCHEMA='{esc(o.db)}' AND TABLE_NAME='{esc(o.table)}' ORDER BY ORDINAL_POSITION")
    cols = [c for c in cols if 'GENERATED' not in c[4].upper()]
    # MariaDB's JSON is LONGTEXT with a CHECK (json_valid(`col`)): such a column is JSON like MySQL's JSON type.
    checks = mariadb(o.mysql, 'information_schema',
                     f"SELECT CHECK_CLAUSE FROM CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA='{esc(o.db)}' AND TABLE_NAME='{esc(o.table)}'")
    json_cols = {m.group(1).replace('``', '`') for (clause,) in checks for m in [re.fullmatch(r'json_valid\(`((?:[^`]|``)+)`\)', clause.strip(), re.I)] if m}
    cols = [(n, 'json' if n in json_cols and dt in ('char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext') else dt, ct, cs, x) for n, dt, ct, cs, x in cols]
    idx = mariadb(o.mysql, 'information_schema',
                  f"SELECT s.INDEX_NAME, s.COLUMN_NAME, IFNULL(s.SUB_PART,''), c.IS_NULLABLE FROM STATISTICS s JOIN COLUMNS c USING (TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME) "
                  f"WHERE s.TABLE_SCHEMA='{esc(o.db)}' AND s.TABLE_NAME='{esc(o.table)}' AND s.NON_UNIQUE=0 ORDER BY s.INDEX_NAME='PRIMARY' DESC, s.INDEX_NAME, s.SEQ_IN_INDEX")
    keys = {}
    for name, col, sub, nullable in idx:
        keys.setdefault(name, []).append((col, sub, nullable))
    key = next(([c for c, _, _ in v] for v in keys.values() if all(s == '' and n == 'NO' for _, s, n in v)), None)
    if not key:
        sys.exit(f'{o.db}.{o.table} has no key')
    exprs = []
    for name, dt, ct, cs, _ in cols:
        if dt in TEXT_HEX or dt == 'json' or (dt not in BINARY and cs):
            exprs.append(f'HEX(CONVERT({q(name)} USING utf8mb4))')
        elif dt in BINARY:
            exprs.append(f'HEX({q(name)})')
        elif dt == 'bit':
            exprs.append(f'CAST({q(name)} AS UNSIGNED)')
        elif dt == 'float':
            exprs.append(f'({q(name)} + 0E0)')  # the exact 32-bit value, widened (its own text has 6 digits)
        else:
            exprs.append(q(name))
    rows = mariadb(o.mysql, o.db, f"SET time_zone = '+00:00'; SELECT {', '.join(exprs)} FROM {q(o.table)}")

    def expected(col, v):
        name, dt, ct, cs, _ = col
        if v == 'NULL':
            return None
        if dt in BINARY:
            return base64.b64encode(bytes.fromhex(v)).decode()
        if dt in TEXT_HEX or dt == 'json' or cs:
            t = bytes.fromhex(v).decode('utf-8')
            if dt == 'json' and repeats_name(t):
                return t  # the clusters refuse a document repeating a member name: the JSON text, as a string
            return ('json', loads(t)) if dt == 'json' else t
        if dt in SAFE_INT:
            return Num(v) if 'zerofill' not in ct and re.fullmatch(r'-?(0|[1-9][0-9]*)', v) else v
        if dt == 'float':
            return ('float32', struct.unpack('f', struct.pack('f', float(v)))[0])
        if dt == 'double':
            return Num(v)
        if dt == 'bit':
            width = int(ct[ct.index('(') + 1:ct.index(')')])
            return Num(v) if width <= 53 else v
        return v  # bigint, decimal, date, datetime, timestamp, time: the text as the source prints it

    def text_of(col, v):
        e = expected(col, v)
        if isinstance(e, tuple) and e[0] == 'float32':
            return repr(e[1])  # FLOAT keys: not in the corpus
        return json.dumps(e[1]) if isinstance(e, tuple) else str(e)

    names = [c[0] for c in cols]
    want = {}
    for r in rows:
        ktexts = [text_of(cols[names.index(k)], r[names.index(k)]) for k in key]
        _id = ktexts[0] if len(ktexts) == 1 and ktexts[0] != '' and not ktexts[0].startswith('[') else json.dumps(ktexts, ensure_ascii=False, separators=(',', ':'))
        want[_id] = r

    docs = {}
    res = http(f'{o.url}/{urllib.request.quote(o.index)}/_search?scroll=2m', {'size': 1000, 'sort': ['_doc']})
    while res['hits']['hits']:
        for h in res['hits']['hits']:
            docs[h['_id']] = h['_source']
        res = http(f'{o.url}/_search/scroll', {'scroll': '2m', 'scroll_id': res['_scroll_id']})

    problems = []
    if len(docs) != len(want):
        problems.append(f'{len(docs)} documents for {len(want)} rows')
    for _id, r in want.items():
        d = docs.get(_id)
        if d is None:
            problems.append(f'_id {_id!r}: no document')
            continue
        if sorted(d.keys()) != sorted(names):
            problems.append(f'_id {_id!r}: fields {sorted(d.keys())} != columns {sorted(names)}')
            continue
        for col, v in zip(cols, r):
            e = expected(col, v)
            got = d[col[0]]
            if isinstance(e, tuple) and e[0] == 'float32':
                same = isinstance(got, Num) and struct.unpack('f', struct.pack('f', float(got)))[0] == e[1]
            elif isinstance(e, tuple):
                same = got == e[1]
            else:
                same = got == e and type(got) is type(e)
            if not same:
                problems.append(f'_id {_id!r} column {col[0]} ({col[2]}): _source {got!r} ({type(got).__name__}), source {e!r} ({type(e).__name__})')
    for _id in docs:
        if _id not in want:
            problems.append(f'_id {_id!r}: a document without a source row')
    for p in problems[:50]:
        print(f'{o.db}.{o.table}: {p}')
    print(f'{o.db}.{o.table}: {len(want)} rows, {len(docs)} documents, {len(problems)} differences')
    return not problems


main()

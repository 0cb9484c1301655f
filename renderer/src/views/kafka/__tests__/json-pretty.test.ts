import { describe, expect, it } from 'vitest';
import { prettyJson } from '../json-pretty';

describe('prettyJson', () => {
  it('indents without touching the characters of numbers and strings', () => {
    const text = '{"id":18446744073709551615,"d":0.100000000000000000000000000001,"s":"a, b: {c}","e":{},"l":[1,[]]}';
    expect(prettyJson(text)).toBe(
      ['{', '  "id": 18446744073709551615,', '  "d": 0.100000000000000000000000000001,', '  "s": "a, b: {c}",', '  "e": {},', '  "l": [', '    1,', '    []', '  ]', '}'].join('\n'),
    );
  });
  it('keeps escaped quotes inside strings and leaves text that is not JSON as it is', () => {
    expect(prettyJson('{"q":"say \\"hi\\", ok"}')).toBe('{\n  "q": "say \\"hi\\", ok"\n}');
    expect(prettyJson('not json')).toBe('not json');
    expect(prettyJson('{"cut":"unterminated')).toBe('{"cut":"unterminated');
  });
});

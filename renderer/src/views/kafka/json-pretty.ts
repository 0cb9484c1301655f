// Indents JSON text for reading without parsing its numbers (JSON.parse would round a BIGINT UNSIGNED or
// a DECIMAL(65,30) that a message carries): the characters stay as the producer wrote them, only
// whitespace between tokens changes. Text that is not JSON comes back unchanged.
export function prettyJson(text: string, indent = 2): string {
  const t = text.trim();
  if (!t.startsWith('{') && !t.startsWith('[')) return text;
  let out = '';
  let depth = 0;
  let inString = false;
  const pad = (): string => '\n' + ' '.repeat(depth * indent);
  for (let i = 0; i < t.length; i++) {
    const c = t[i]!;
    if (inString) {
      out += c;
      if (c === '\\') out += t[++i] ?? '';
      else if (c === '"') inString = false;
      continue;
    }
    switch (c) {
      case '"':
        inString = true;
        out += c;
        break;
      case '{':
      case '[': {
        // An empty object or array stays on one line.
        let j = i + 1;
        while (/\s/.test(t[j] ?? '')) j++;
        if (t[j] === (c === '{' ? '}' : ']')) {
          out += c + t[j];
          i = j;
        } else {
          depth++;
          out += c + pad();
        }
        break;
      }
      case '}':
      case ']':
        depth = Math.max(0, depth - 1);
        out += pad() + c;
        break;
      case ',':
        out += ',' + pad();
        break;
      case ':':
        out += ': ';
        break;
      default:
        if (!/\s/.test(c)) out += c;
    }
  }
  if (inString || depth !== 0) return text;
  return out;
}

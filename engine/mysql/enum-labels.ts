// ENUM and SET labels as COLUMN_TYPE lists them, for the binlog reader (MINIMAL row metadata) and the
// Kafka formats.

/** Labels of "enum('a','b''c')" / "set(...)" as COLUMN_TYPE writes them ('' doubles a quote). */
export function enumLabels(columnType: string): string[] {
  const m = /^(?:enum|set)\s*\((.*)\)\s*$/is.exec(columnType.trim());
  const labels: string[] = [];
  if (!m) return labels;
  const body = m[1]!;
  let i = 0;
  while (i < body.length) {
    while (body[i] === ' ' || body[i] === ',') i++;
    if (body[i] !== "'") break;
    let label = '';
    for (i++; i < body.length; i++) {
      if (body[i] === "'" && body[i + 1] === "'") (label += "'"), i++;
      else if (body[i] === '\\' && i + 1 < body.length) label += body[++i];
      else if (body[i] === "'") break;
      else label += body[i];
    }
    labels.push(label);
    i++;
  }
  return labels;
}

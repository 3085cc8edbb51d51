// The metadata strings YOLOv5's export writes: str(int(max(stride))) and str(names) where names is a dict
// {0: 'person', …} — Python's repr, so other YOLOv5 tooling reading the ONNX file parses them unchanged.

/** Python's repr() of a str: single quotes unless the text holds ' and no ", escapes as CPython writes them. */
export function pythonStrRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === quote || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + quote;
}

/** str({0: 'person', 1: 'bicycle'}) for a class-name list. */
export function namesDictRepr(names: readonly string[]): string {
  return `{${names.map((n, i) => `${i}: ${pythonStrRepr(n)}`).join(', ')}}`;
}

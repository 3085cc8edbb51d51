// A small XML reader for annotation files (Pascal VOC): elements, attributes, text, comments, CDATA, processing
// instructions and a DOCTYPE line, the five named entities and numeric character references. Enough for what
// annotation tools write; no namespaces, no DTD entities. Errors name the line and what was expected.

/** One XML element: its name, attributes, child elements and text (the text directly inside it, entities decoded). */
export interface XmlElement {
  /** The tag name. */
  name: string;
  /** Attribute values, entities decoded. */
  attributes: Record<string, string>;
  /** Child elements in document order. */
  children: XmlElement[];
  /** The text directly inside the element (not its children's), CDATA included, entities decoded. */
  text: string;
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(s: string, lineOf: () => number): string {
  return s.replace(/&([^;&\s]*);?/g, (whole, ref: string) => {
    if (!whole.endsWith(';')) throw new Error(`line ${lineOf()}: '&' not followed by an entity reference ending in ';'`);
    if (ref in NAMED) return NAMED[ref]!;
    const code = /^#x[0-9a-fA-F]+$/.test(ref) ? parseInt(ref.slice(2), 16) : /^#[0-9]+$/.test(ref) ? parseInt(ref.slice(1), 10) : NaN;
    if (!Number.isFinite(code) || code > 0x10ffff) throw new Error(`line ${lineOf()}: unknown entity &${ref};`);
    return String.fromCodePoint(code);
  });
}

/** Parses an XML document and returns its root element; throws with the line number on malformed input. */
export function parseXml(source: string): XmlElement {
  let i = source.charCodeAt(0) === 0xfeff ? 1 : 0;
  const lineOf = () => source.slice(0, i).split('\n').length;
  const fail = (what: string): never => {
    throw new Error(`line ${lineOf()}: ${what}`);
  };
  const skipUntil = (end: string, what: string) => {
    const at = source.indexOf(end, i);
    if (at < 0) fail(`${what} never closed`);
    i = at + end.length;
  };
  const skipMisc = () => {
    for (;;) {
      while (i < source.length && /\s/.test(source[i]!)) i++;
      if (source.startsWith('<?', i)) skipUntil('?>', 'processing instruction');
      else if (source.startsWith('<!--', i)) skipUntil('-->', 'comment');
      else if (source.startsWith('<!DOCTYPE', i)) skipUntil('>', 'DOCTYPE');
      else return;
    }
  };
  const NAME = /[A-Za-z_:][\w:.-]*/y;
  const readName = (): string => {
    NAME.lastIndex = i;
    const m = NAME.exec(source);
    if (!m) return fail(`expected a name at '${source.slice(i, i + 12)}'`);
    i += m[0].length;
    return m[0];
  };
  const element = (): XmlElement => {
    if (source[i] !== '<') fail(`expected '<' at '${source.slice(i, i + 12)}'`);
    i++;
    const el: XmlElement = { name: readName(), attributes: {}, children: [], text: '' };
    for (;;) {
      while (/\s/.test(source[i] ?? '')) i++;
      if (source.startsWith('/>', i)) {
        i += 2;
        return el;
      }
      if (source[i] === '>') {
        i++;
        break;
      }
      if (i >= source.length) fail(`<${el.name}> not closed`);
      const key = readName();
      while (/\s/.test(source[i] ?? '')) i++;
      if (source[i] !== '=') fail(`attribute ${key} of <${el.name}> has no value`);
      i++;
      while (/\s/.test(source[i] ?? '')) i++;
      const quote = source[i];
      if (quote !== '"' && quote !== "'") return fail(`attribute ${key} of <${el.name}> is not quoted`);
      const end = source.indexOf(quote, i + 1);
      if (end < 0) fail(`attribute ${key} of <${el.name}> never closed`);
      el.attributes[key] = decodeEntities(source.slice(i + 1, end), lineOf);
      i = end + 1;
    }
    const text: string[] = [];
    for (;;) {
      if (i >= source.length) fail(`<${el.name}> has no closing tag`);
      if (source.startsWith('</', i)) {
        i += 2;
        const name = readName();
        if (name !== el.name) fail(`</${name}> closes <${el.name}>`);
        while (/\s/.test(source[i] ?? '')) i++;
        if (source[i] !== '>') fail(`</${name}> not closed`);
        i++;
        el.text = text.join('');
        return el;
      }
      if (source.startsWith('<!--', i)) skipUntil('-->', 'comment');
      else if (source.startsWith('<![CDATA[', i)) {
        const end = source.indexOf(']]>', i);
        if (end < 0) fail('CDATA section never closed');
        text.push(source.slice(i + 9, end));
        i = end + 3;
      } else if (source.startsWith('<?', i)) skipUntil('?>', 'processing instruction');
      else if (source[i] === '<') el.children.push(element());
      else {
        const next = source.indexOf('<', i);
        const end = next < 0 ? source.length : next;
        text.push(decodeEntities(source.slice(i, end), lineOf));
        i = end;
      }
    }
  };
  skipMisc();
  if (i >= source.length) fail('no root element');
  const root = element();
  skipMisc();
  if (i < source.length) fail(`text after the root element: '${source.slice(i, i + 12)}'`);
  return root;
}

/** The first direct child named `name` (ElementTree's `find(name)`). */
export function xmlChild(el: XmlElement, name: string): XmlElement | undefined {
  return el.children.find((c) => c.name === name);
}

/** Every element named `name` at or below `el`, in document order (ElementTree's `iter(name)`). */
export function xmlIter(el: XmlElement, name: string): XmlElement[] {
  const out: XmlElement[] = [];
  const walk = (e: XmlElement) => {
    if (e.name === name) out.push(e);
    for (const c of e.children) walk(c);
  };
  walk(el);
  return out;
}

// Class lists for the converters: read from `--names` (a comma-separated list, a text file with one name per line,
// or a YAML file with `names:`), and written back the way PyYAML's safe_dump writes them (the reference converters
// write their class YAMLs with it), so the files are the same as theirs.
import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { readFailure } from '../io/atomic-write.ts';

/**
 * The class list `--names` gives: a path to a `.yaml`/`.yml` file (its `names:`, a list or a dict keyed 0…n-1), a
 * path to any other file (one name per line, blank lines ignored), or else a comma-separated list (`dog,person`).
 */
export function readClassNames(spec: string): string[] {
  if (!existsSync(spec)) {
    const names = spec.split(',').map((s) => s.trim());
    if (names.some((n) => n === '')) throw new Error(`--names ${spec}: not a file, and as a comma-separated list it has an empty name`);
    return checkUnique(names, `--names ${spec}`);
  }
  let text: string;
  try {
    text = readFileSync(spec, 'utf8');
  } catch (err) {
    throw new Error(`--names ${spec}: ${readFailure(err)}`);
  }
  if (/\.ya?ml$/i.test(spec)) {
    let doc: unknown;
    try {
      doc = parseYaml(text);
    } catch (err) {
      throw new Error(`--names ${spec}: not valid YAML (${(err as Error).message.split('\n')[0]})`);
    }
    const names = (doc as { names?: unknown } | null)?.names;
    if (Array.isArray(names)) return checkUnique(names.map(String), `--names ${spec}`);
    if (names && typeof names === 'object') {
      const entries = Object.entries(names as Record<string, unknown>);
      const out: string[] = [];
      for (const [k, v] of entries) {
        const i = Number(k);
        if (!Number.isInteger(i) || i < 0 || i >= entries.length) throw new Error(`--names ${spec}: names keys must be 0…${entries.length - 1}, got ${k}`);
        out[i] = String(v);
      }
      return checkUnique(out, `--names ${spec}`);
    }
    throw new Error(`--names ${spec}: no names: list or dict in it`);
  }
  const names = text
    .split(/\r?\n/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (names.length === 0) throw new Error(`--names ${spec}: the file holds no names`);
  return checkUnique(names, `--names ${spec}`);
}

function checkUnique(names: string[], what: string): string[] {
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) throw new Error(`${what}: the name '${n}' appears twice`);
    seen.add(n);
  }
  return names;
}

// PyYAML's YAML 1.1 implicit resolvers: a plain scalar matching one of these would read back as something other
// than a string, so the dumper quotes it.
const IMPLICIT = [
  /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/,
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/,
  /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/,
  /^(?:<<)$/,
  /^(?:~|null|Null|NULL|)$/,
  /^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$/,
  /^(?:=)$/,
];
const BREAKS = '\n\x85\u2028\u2029';
const WHITESPACE = '\0 \t\r\n\x85\u2028\u2029';
const ESCAPES: Record<string, string> = { '\0': '0', '\x07': 'a', '\b': 'b', '\t': 't', '\n': 'n', '\v': 'v', '\f': 'f', '\r': 'r', '\x1b': 'e', '"': '"', '\\': '\\', '\x85': 'N', '\xa0': '_', '\u2028': 'L', '\u2029': 'P' };

/** Whether PyYAML's analyze_scalar allows `s` as a plain block scalar (safe_dump, allow_unicode off). */
function allowsBlockPlain(s: string): boolean {
  if (s === '') return false;
  const chars = [...s];
  let blockIndicators = s.startsWith('---') || s.startsWith('...');
  let special = false;
  let lineBreaks = false;
  let leadingOrTrailing = false;
  let previousSpace = false;
  let previousBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  let precededByWhitespace = true;
  for (let k = 0; k < chars.length; k++) {
    const ch = chars[k]!;
    const followedByWhitespace = k + 1 >= chars.length || WHITESPACE.includes(chars[k + 1]!);
    if (k === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(ch)) blockIndicators = true;
      if ('?:'.includes(ch) && followedByWhitespace) blockIndicators = true;
      if (ch === '-' && followedByWhitespace) blockIndicators = true;
    } else {
      if (ch === ':' && followedByWhitespace) blockIndicators = true;
      if (ch === '#' && precededByWhitespace) blockIndicators = true;
    }
    if (BREAKS.includes(ch)) lineBreaks = true;
    const code = ch.codePointAt(0)!;
    if (!(ch === '\n' || (code >= 0x20 && code <= 0x7e))) special = true; // unicode too: safe_dump escapes it
    if (ch === ' ') {
      if (k === 0 || k === chars.length - 1) leadingOrTrailing = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (BREAKS.includes(ch)) {
      if (k === 0 || k === chars.length - 1) leadingOrTrailing = true;
      if (previousSpace) spaceBreak = true;
      previousSpace = false;
      previousBreak = true;
    } else {
      previousSpace = false;
      previousBreak = false;
    }
    precededByWhitespace = WHITESPACE.includes(ch);
  }
  return !(leadingOrTrailing || breakSpace || spaceBreak || special || lineBreaks || blockIndicators);
}

function allowsSingleQuoted(s: string): boolean {
  // Non-printable (or, without allow_unicode, non-ASCII) characters rule it out. PyYAML would single-quote a text
  // with line breaks and fold it over lines; those (not class names in practice) are written double-quoted here.
  return [...s].every((ch) => ch.codePointAt(0)! >= 0x20 && ch.codePointAt(0)! <= 0x7e);
}

/** A string value as PyYAML's safe_dump writes it in block style: plain, 'single-quoted' or "double-quoted". */
export function pyYamlScalar(s: string): string {
  if (!IMPLICIT.some((re) => re.test(s)) && allowsBlockPlain(s)) return s;
  if (s !== '' && allowsSingleQuoted(s)) return `'${s.replace(/'/g, "''")}'`;
  if (s === '') return "''";
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if ('"\\\x85\u2028\u2029\ufeff'.includes(ch) || !(code >= 0x20 && code <= 0x7e)) {
      if (ch in ESCAPES) out += `\\${ESCAPES[ch]}`;
      else if (code <= 0xff) out += `\\x${code.toString(16).toUpperCase().padStart(2, '0')}`;
      else if (code <= 0xffff) out += `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
      else out += `\\U${code.toString(16).toUpperCase().padStart(8, '0')}`;
    } else out += ch;
  }
  return `${out}"`;
}

/** `names:` as a block mapping of class id → name, as `yaml.safe_dump({'names': {...}}, sort_keys=False)` writes it. */
export function namesYamlBlock(names: ReadonlyArray<readonly [number, string]>): string {
  if (names.length === 0) return 'names: {}\n';
  return `names:\n${names.map(([id, name]) => `  ${id}: ${pyYamlScalar(name)}\n`).join('')}`;
}

// The docs tests' reader: the README, docs/*.md and the examples' READMEs, their fenced code blocks with the info
// string's tags (```sh runnable, ```ts typecheck), and the shell commands inside them, tokenised the way a shell
// splits words (quotes, comments, line continuations; no expansion).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));

export interface CodeBlock {
  /** The file, relative to the repository root. */
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  /** The info string's words after the language: 'runnable', 'typecheck'. */
  tags: string[];
  /** The block's content, its fence's indentation removed. */
  text: string;
}

/** README.md, every docs/**.md and every examples/**.md, sorted. */
export function docFiles(): string[] {
  const out = ['README.md'];
  const walk = (dir: string): void => {
    for (const e of readdirSync(join(REPO, dir)).sort()) {
      const rel = join(dir, e);
      if (e === 'node_modules' || e === 'dist' || e === 'api') continue;
      if (statSync(join(REPO, rel)).isDirectory()) walk(rel);
      else if (e.endsWith('.md')) out.push(rel);
    }
  };
  walk('docs');
  walk('examples');
  return out;
}

/** The fenced code blocks of a Markdown file (``` or ~~~, possibly indented inside a list item). */
export function codeBlocks(file: string): CodeBlock[] {
  const lines = readFileSync(join(REPO, file), 'utf8').split('\n');
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([^`\s]*)\s*(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const [, indent, fence, lang, rest] = open as unknown as [string, string, string, string, string];
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const l = lines[j]!;
      if (l.trim().startsWith(fence[0]!.repeat(fence.length)) && l.trim().replace(/[`~]/g, '') === '') break;
      body.push(l.startsWith(indent) ? l.slice(indent.length) : l.trimStart());
    }
    blocks.push({ file, line: i + 1, lang: lang.toLowerCase(), tags: rest.split(/\s+/).filter(Boolean), text: body.join('\n') });
    i = j;
  }
  return blocks;
}

export const SHELL_LANGS = new Set(['sh', 'bash', 'shell', 'console']);

export interface ShellCommand {
  /** 1-based line in the Markdown file. */
  line: number;
  /** The command as written (continuations joined, comment removed). */
  source: string;
  /** Its words, environment assignments and shell operators split off. */
  words: string[];
}

/**
 * The commands of a shell block: continuation lines joined, `#` comments dropped, `&&`, `||`, `;` and `|` splitting
 * commands, leading `VAR=value` assignments removed. Quotes are honoured; nothing is expanded.
 */
export function shellCommands(block: CodeBlock): ShellCommand[] {
  const out: ShellCommand[] = [];
  const lines = block.text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let text = lines[i]!;
    while (text.endsWith('\\') && i + 1 < lines.length) text = text.slice(0, -1) + ' ' + lines[++i]!;
    const words: string[] = [];
    let cur = '';
    let quote: string | null = null;
    let hasWord = false;
    const flush = () => {
      if (hasWord) words.push(cur);
      cur = '';
      hasWord = false;
    };
    let j = 0;
    for (; j < text.length; j++) {
      const c = text[j]!;
      if (quote) {
        if (c === quote) quote = null;
        else cur += c;
        continue;
      }
      if (c === "'" || c === '"') {
        quote = c;
        hasWord = true;
      } else if (/\s/.test(c)) flush();
      else if (c === '#' && !hasWord) break;
      else {
        cur += c;
        hasWord = true;
      }
    }
    flush();
    const source = text.slice(0, j).trim();
    // One command per operator-separated part.
    let part: string[] = [];
    const push = () => {
      while (part.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(part[0]!)) part.shift();
      if (part.length) out.push({ line: block.line + 1 + start, source, words: part });
      part = [];
    };
    for (const w of words) {
      if (['&&', '||', ';', '|'].includes(w)) push();
      else part.push(w);
    }
    push();
  }
  return out;
}

/** The words after `tsyolo` when the command runs tsyolo (`npx tsyolo …`, `tsyolo …`, `node bin/tsyolo.js …`). */
export function tsyoloArgs(words: string[]): string[] | null {
  if (words[0] === 'npx' && words[1] === 'tsyolo') return words.slice(2);
  if (words[0] === 'tsyolo') return words.slice(1);
  if (words[0] === 'node' && words[1]?.endsWith('bin/tsyolo.js')) return words.slice(2);
  return null;
}

/** A block's place for messages: `docs/train.md:12`. */
export const where = (b: { file: string; line: number }): string => `${b.file}:${b.line}`;

export const repoPath = (abs: string): string => relative(REPO, abs);

// Run folders: incrementPath's exp, exp2, …, and discardRunFolder — a run that fails before writing anything removes
// the folder it made (and the project folder it made), never a folder that existed before it, never one with files.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { discardRunFolder, incrementPath } from '../../src/run/increment-path.ts';

const work = mkdtempSync(join(tmpdir(), 'tsyolo-run-folder-'));
after(() => rmSync(work, { recursive: true, force: true }));

test('exp, exp2, exp3; --exist-ok reuses exp', () => {
  const project = join(work, 'inc');
  assert.equal(incrementPath(project, 'exp'), join(project, 'exp'));
  assert.equal(incrementPath(project, 'exp'), join(project, 'exp2'));
  assert.equal(incrementPath(project, 'exp'), join(project, 'exp3'));
  assert.equal(incrementPath(project, 'exp', true), join(project, 'exp'));
  assert.deepEqual(readdirSync(project).sort(), ['exp', 'exp2', 'exp3']);
});

test('an empty run folder this process made goes, with the project folder it made', () => {
  const project = join(work, 'fresh', 'runs', 'val');
  const dir = incrementPath(project, 'exp');
  mkdirSync(join(dir, 'labels')); // empty sub-folders are not results
  assert.equal(discardRunFolder(dir), true);
  assert.ok(!existsSync(join(work, 'fresh')), 'runs/val and runs/ were made by this run too');
});

test('a project folder that existed before stays, and so do the other runs in it', () => {
  const project = join(work, 'shared');
  mkdirSync(project);
  const first = incrementPath(project, 'exp');
  writeFileSync(join(first, 'results.csv'), 'x\n');
  const second = incrementPath(project, 'exp');
  assert.equal(discardRunFolder(second), true);
  assert.deepEqual(readdirSync(project), ['exp']);
  assert.equal(discardRunFolder(first), false, 'a folder holding a result is kept');
  assert.ok(existsSync(join(first, 'results.csv')));
});

test('only set-up files named by the caller may be removed with the folder', () => {
  const project = join(work, 'setup');
  const dir = incrementPath(project, 'exp');
  writeFileSync(join(dir, 'hyp.yaml'), 'lr0: 0.01\n');
  mkdirSync(join(dir, 'weights'));
  assert.equal(discardRunFolder(dir), false, 'hyp.yaml is a file: kept without being named');
  writeFileSync(join(dir, 'weights', 'last.safetensors'), 'x');
  assert.equal(discardRunFolder(dir, ['hyp.yaml']), false, 'a checkpoint is a result');
  rmSync(join(dir, 'weights', 'last.safetensors'));
  assert.equal(discardRunFolder(dir, ['hyp.yaml', 'opt.yaml']), true);
  assert.ok(!existsSync(project));
});

test('a folder that existed before the run (--exist-ok) or that incrementPath did not make (--resume) is never removed', () => {
  const project = join(work, 'old');
  mkdirSync(join(project, 'exp'), { recursive: true });
  const reused = incrementPath(project, 'exp', true);
  assert.equal(reused, join(project, 'exp'));
  assert.equal(discardRunFolder(reused), false);
  assert.ok(existsSync(reused));
  const resumed = join(work, 'resumed', 'exp');
  mkdirSync(resumed, { recursive: true });
  assert.equal(discardRunFolder(resumed), false);
  assert.ok(existsSync(resumed));
});

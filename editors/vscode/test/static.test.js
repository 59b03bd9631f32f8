// Checks of the extension that do not need VS Code: the manifest points at real files, the
// language configuration behaves, the snippets expand to clean code, every .pbk of the project
// highlights without an `invalid` scope, and the server command is built from `portoser.path`.
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const path = require('path');
const { tokenize } = require('./tokenize');

const ext = path.resolve(__dirname, '..');
const root = path.resolve(ext, '..', '..');
const readJson = (p) => JSON.parse(fs.readFileSync(path.join(ext, p), 'utf8'));
const manifest = readJson('package.json');

test('the manifest contributes the language, grammar, snippets and settings', () => {
  const c = manifest.contributes;
  assert.deepStrictEqual(c.languages.map((l) => l.id), ['portoser-pbk']);
  assert.deepStrictEqual(c.languages[0].extensions, ['.pbk']);
  for (const p of [c.languages[0].configuration, c.grammars[0].path, c.snippets[0].path, manifest.main]) {
    const file = path.join(ext, p.replace('./out/', './src/').replace(/\.js$/, '.ts'));
    assert.ok(fs.existsSync(file), `${p} does not exist`);
  }
  assert.strictEqual(readJson(c.grammars[0].path).scopeName, c.grammars[0].scopeName);
  assert.strictEqual(c.configuration.properties['portoser.path'].default, 'portoser');
  assert.deepStrictEqual(c.commands.map((x) => x.command), ['portoser.restartServer']);
});

test('brackets indent, closers outdent, strings and comments do not', () => {
  const conf = readJson('language-configuration.json');
  assert.strictEqual(conf.comments.lineComment, '#');
  const inc = new RegExp(conf.indentationRules.increaseIndentPattern);
  const dec = new RegExp(conf.indentationRules.decreaseIndentPattern);
  for (const l of ['rule x {', '  do {  # the actions', 'wait_healthy(', 'let xs = [', 'if a == "}" {']) {
    assert.ok(inc.test(l), `should indent after: ${l}`);
  }
  for (const l of ['log("{")', '# a comment {', '  retry', 'do { retry }', 'x("a \\" {")']) {
    assert.ok(!inc.test(l), `should not indent after: ${l}`);
  }
  assert.ok(dec.test('  }') && dec.test(')') && !dec.test('  retry'));
});

// A snippet body with each placeholder replaced by its default or first choice.
function expand(body) {
  return body
    .join('\n')
    .replace(/\t/g, '  ')
    .replace(/\$\{\d+\|([^,|]*)[^}]*\}/g, '$1')
    .replace(/\$\{\d+:([^}]*)\}/g, '$1')
    .replace(/\$\{\d+\}/g, 'retry');
}

async function assertClean(label, text) {
  const { tokens, endState } = await tokenize(text);
  assert.strictEqual(endState.depth, 1, `${label}: a block or paren left open`);
  for (const t of tokens) {
    const bad = t.scopes.find((s) => s.startsWith('invalid'));
    assert.ok(!bad, `${label}:${t.line}: ${JSON.stringify(t.text)} is ${bad}`);
  }
  return tokens;
}

test('the checks can fail: an unknown escape and an unclosed block are caught', async () => {
  await assert.rejects(assertClean('bad', 'log("\\q")'), /invalid.illegal.unknown-escape/);
  await assert.rejects(assertClean('open', 'rule x { do { retry }'), /left open/);
});

test('every snippet expands to code without invalid tokens and with its keyword highlighted', async () => {
  const snippets = readJson('snippets/pbk.code-snippets');
  for (const [name, s] of Object.entries(snippets)) {
    const text = expand(s.body);
    assert.ok(!text.includes('$'), `${name}: unexpanded placeholder in ${text}`);
    const tokens = await assertClean(`snippet ${name}`, text);
    const lines = text.split('\n');
    const itemLine = lines.findIndex((l) => !l.startsWith('@')) + 1;
    const first = tokens.find((t) => t.line === itemLine && t.text.trim() !== '');
    assert.ok(/storage|keyword/.test(first.scopes.join(' ')), `${name}: ${first.text} is not a keyword`);
  }
});

function pbkFiles(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' || e.name === 'target' ? [] : pbkFiles(p);
    return e.name.endsWith('.pbk') ? [p] : [];
  });
}

test('every .pbk of the project highlights without invalid tokens and closes its blocks', async () => {
  const dirs = ['stdlib', 'playbooks', 'examples', 'crates/portoser-syntax/tests/corpus'];
  const files = dirs.flatMap((d) => pbkFiles(path.join(root, d)));
  assert.ok(files.length >= 10, `only ${files.length} .pbk files found`);
  for (const f of files) {
    const text = fs.readFileSync(f, 'utf8');
    await assertClean(path.relative(root, f), text);
  }
});

test('a name with `-` is one name, not a keyword and a number', async () => {
  const { tokens } = await tokenize('let x = for-each + rule-2s');
  const names = tokens.filter((t) => t.scopes.includes('variable.other.pbk')).map((t) => t.text);
  assert.deepStrictEqual(names, ['for-each', 'rule-2s']);
});

test('the server is `portoser lsp` by default, and `portoser.path` overrides it', () => {
  const { serverCommand, resolvePath } = require('../out/server.js');
  assert.deepStrictEqual(serverCommand(undefined, '/w'), { command: 'portoser', args: ['lsp'], cwd: '/w' });
  assert.strictEqual(resolvePath('  ', '/w'), 'portoser');
  assert.strictEqual(resolvePath('portoser-dev', '/w'), 'portoser-dev');
  assert.strictEqual(resolvePath('/opt/bin/portoser', '/w'), '/opt/bin/portoser');
  assert.strictEqual(resolvePath('./target/debug/portoser', '/w'), '/w/target/debug/portoser');
  assert.strictEqual(resolvePath('~/bin/portoser', '/w'), path.join(require('os').homedir(), 'bin/portoser'));
});

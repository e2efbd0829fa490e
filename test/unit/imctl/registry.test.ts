// The static command list: every command module is in it once, help is generated from its
// groups, and the command modules do not import the program builder (no app <-> registry cycle).
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { buildProgram } from '../../../automation/app';
import { COMMAND_GROUPS } from '../../../automation/commands';
import type { CommandDef } from '../../../automation/commands/factory';
import { harness, imctl } from './support/fakes';

const COMMANDS_DIR = path.resolve(__dirname, '../../../automation/commands');
const NOT_COMMANDS = new Set(['index.ts', 'factory.ts']);

function isCommandDef(value: unknown): value is CommandDef {
  return typeof value === 'object' && value !== null && typeof (value as { register?: unknown }).register === 'function';
}

describe('imctl: the static command list', function () {
  it('lists every CommandDef a command module exports, exactly once', function () {
    const listed = COMMAND_GROUPS.flatMap((g) => g.commands);
    const exported: Array<{ file: string; def: CommandDef }> = [];
    for (const file of fs.readdirSync(COMMANDS_DIR).filter((f) => f.endsWith('.ts') && !NOT_COMMANDS.has(f))) {
      const mod = require(path.join(COMMANDS_DIR, file)) as Record<string, unknown>;
      const defs = Object.entries(mod).filter(([, v]) => isCommandDef(v));
      assert.ok(defs.length > 0, `${file} exports no command`);
      for (const [name, def] of defs) exported.push({ file: `${file}:${name}`, def: def as CommandDef });
    }
    for (const e of exported) assert.strictEqual(listed.filter((d) => d === e.def).length, 1, `${e.file} is not in automation/commands/index.ts exactly once`);
    assert.strictEqual(listed.length, exported.length, 'the list holds only exported commands');
  });

  it('--help shows the groups in the list\'s order, each command under its own group', async function () {
    const r = await imctl(harness(), '--help');
    const headings = COMMAND_GROUPS.map((g) => r.stdout.indexOf(`\n${g.title}:\n`));
    assert.ok(headings.every((i) => i >= 0), r.stdout);
    assert.deepStrictEqual([...headings].sort((a, b) => a - b), headings);
    const program = buildProgram({ env: {} });
    COMMAND_GROUPS.forEach((g, i) => {
      const section = r.stdout.slice(headings[i], headings[i + 1] ?? r.stdout.indexOf('\nCommands:\n'));
      for (const c of program.commands.filter((c) => c.helpGroup() === `${g.title}:`)) assert.match(section, new RegExp(`\\n  ${c.name()}\\b`), `${c.name()} under ${g.title}`);
    });
    assert.ok(program.commands.filter((c) => c.name() !== 'help').every((c) => COMMAND_GROUPS.some((g) => c.helpGroup() === `${g.title}:`)), 'every command has its group');
  });

  it('command modules and the registry do not import app.ts', function () {
    const files = [...fs.readdirSync(COMMANDS_DIR).map((f) => path.join(COMMANDS_DIR, f)), path.resolve(COMMANDS_DIR, '../registry.ts')];
    for (const f of files.filter((x) => x.endsWith('.ts'))) {
      assert.doesNotMatch(fs.readFileSync(f, 'utf8'), /from '\.\.?\/app'/, `${path.basename(f)} imports app.ts`);
    }
  });
});

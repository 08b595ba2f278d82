// The one rule both transports apply before asking a debugger anything: plain reads only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { notPlainRead, plainNumber } from '../../../src/qemu/internals/plainExpression.js';

test('plain reads pass: globals, member chains, casts, sizeof, offsets', () => {
  for (const e of ['ram_list.blocks.lh_first', 'section->mr->ram_block->host', '&((struct vhost_dev *)0)->entry.le_next', 'sizeof(VhostIOVATree)', '(unsigned long)&address_space_memory', 'a[3].b'])
    assert.equal(notPlainRead(e), undefined, e);
});

test('a call is refused whatever its argument looks like (a number or a name in parentheses is no cast)', () => {
  for (const e of ['qemu_get_cpu(0)', 'g_tree_nnodes (t)', 'f(x)', 'vhost_iova_tree_find_iova(tree, &map)', 'x = 1', 'a; b', '$rip'])
    assert.match(notPlainRead(e) ?? '', /only plain reads, never calls into QEMU/, e);
});

test('a debugger\'s number: decimal or hex, nothing decorated', () => {
  assert.equal(plainNumber(' 4096\n'), 4096n);
  assert.equal(plainNumber('0x7f00000a0000'), 0x7f00000a0000n);
  assert.equal(plainNumber('18446744073709551615'), 0xffff_ffff_ffff_ffffn);
  for (const t of ['0x1000 <sym>', '(unsigned long) 5', '', 'Error: could not evaluate expression', '-1']) assert.equal(plainNumber(t), undefined, t);
});

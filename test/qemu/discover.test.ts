import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { discoverQemus, endpointsOf } from '../../src/qemu/discover.js';

test('-qmp unix and tcp, -gdb and -name are read from a command line', () => {
  const ep = endpointsOf(['/usr/bin/qemu-system-x86_64', '-name', 'guest=vm1,debug-threads=on', '-qmp', 'unix:/run/q.sock,server=on,wait=off', '-qmp', 'tcp::4444,server,nowait', '-gdb', 'tcp::1235']);
  assert.deepEqual(ep, { qmp: ['unix:/run/q.sock', 'tcp:127.0.0.1:4444'], gdb: '127.0.0.1:1235', name: 'vm1' });
});

test('a -chardev socket used by a control -mon is a QMP endpoint; a readline monitor is not', () => {
  const ep = endpointsOf([
    'qemu-system-x86_64',
    '-chardev', 'socket,id=charmonitor,path=/var/lib/libvirt/qemu/domain-3-vm/monitor.sock,server=on,wait=off',
    '-mon', 'chardev=charmonitor,id=monitor,mode=control',
    '-chardev', 'socket,id=hmp,path=/tmp/hmp.sock,server=on',
    '-mon', 'chardev=hmp,mode=readline',
    '-s',
  ]);
  assert.deepEqual(ep.qmp, ['unix:/var/lib/libvirt/qemu/domain-3-vm/monitor.sock']);
  assert.equal(ep.gdb, '127.0.0.1:1234');
});

test('a doubled comma is part of a socket path', () => {
  assert.deepEqual(endpointsOf(['qemu-system-aarch64', '-qmp', 'unix:/tmp/a,,b.sock,server']).qmp, ['unix:/tmp/a,b.sock']);
});

test('discoverQemus reads qemu processes from a proc tree and libvirt sockets, skipping the rest', async () => {
  const root = mkdtempSync(join(tmpdir(), 'discover-'));
  const server = createServer();
  try {
    const proc = join(root, 'proc');
    const add = (pid: string, argv: string[]): void => {
      mkdirSync(join(proc, pid), { recursive: true });
      writeFileSync(join(proc, pid, 'cmdline'), argv.join('\0') + '\0');
    };
    add('100', ['/usr/bin/qemu-system-x86_64', '-qmp', 'unix:/tmp/a.sock,server=on', '-name', 'alpha']);
    add('200', ['/bin/bash', '-c', 'qemu-system-x86_64 -qmp unix:/tmp/nope']);
    add('300', ['qemu-system-x86_64', '-m', '512']);
    mkdirSync(join(proc, 'self'));
    const virt = join(root, 'libvirt');
    mkdirSync(join(virt, 'domain-7-beta'), { recursive: true });
    mkdirSync(join(virt, 'domain-8-gamma'), { recursive: true });
    writeFileSync(join(virt, 'domain-8-gamma', 'monitor.sock'), 'not a socket');
    const sock = join(virt, 'domain-7-beta', 'monitor.sock');
    await new Promise<void>((res) => server.listen(sock, res));

    const found = await discoverQemus({ procRoot: proc, libvirtDirs: [virt, join(root, 'missing')] });
    assert.deepEqual(found.map((c) => [c.qmp, c.label, c.pid]), [
      ['unix:/tmp/a.sock', 'alpha', 100],
      [`unix:${sock}`, 'beta', undefined],
    ]);
    assert.match(found[1]!.caveat ?? '', /libvirt/);
  } finally {
    server.close();
    rmSync(root, { recursive: true, force: true });
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventSourceMarkdown } from '../../src/server/eventSource.js';
import { readable } from './fixtures.js';

test('an event format says where it comes from: the built-in catalog for which QEMUs, or the user file and line', () => {
  assert.equal(readable(eventSourceMarkdown('builtin:qemu-9.0+:vhost-vdpa:12')), 'the built-in catalog of vhost-vdpa events for QEMU 9.0 and later');
  assert.equal(readable(eventSourceMarkdown('builtin:qemu-8.0-8.2:vhost-vdpa:3')), 'the built-in catalog of vhost-vdpa events for QEMU 8.0 to 8.2');
  assert.equal(readable(eventSourceMarkdown('builtin:qemu--7.2:vhost-vdpa:3')), 'the built-in catalog of vhost-vdpa events for QEMU up to 7.2');
  const user = eventSourceMarkdown('/src/qemu/hw/virtio/trace-events:42');
  assert.match(readable(user), /^your trace-events file \[\/src\/qemu\/hw\/virtio\/trace-events, line 42\]\(file:\/\/\/src\/qemu\/hw\/virtio\/trace-events#L42\)$/);
});

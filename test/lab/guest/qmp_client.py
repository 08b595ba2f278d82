#!/usr/bin/env python3
"""The lab's QMP client (inside the outer guest, installed as /lab/).

usage: qmp_client.py SOCKET COMMAND [JSON_ARGS|-] [COMMAND [JSON_ARGS|-] ...]
       qmp_client.py SOCKET --hmp "HMP LINE" ["HMP LINE" ...]
Runs the commands over one connection and prints each answer as one JSON line; with --hmp
each line goes through human-monitor-command and its text is printed as is. Exit status 1
when a command answers an error."""
import json
import socket
import sys
import time


def connect(path):
    for _ in range(150):
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(path)
            return s.makefile('rw')
        except OSError:
            time.sleep(0.2)
    sys.exit('qmp_client: cannot connect to %s' % path)


def execute(f, name, args=None):
    msg = {'execute': name}
    if args:
        msg['arguments'] = args
    f.write(json.dumps(msg) + '\n')
    f.flush()
    while True:
        line = f.readline()
        if not line:
            sys.exit('qmp_client: QEMU closed the connection during %s' % name)
        answer = json.loads(line)
        if 'event' not in answer:
            return answer


def main():
    f = connect(sys.argv[1])
    json.loads(f.readline())
    execute(f, 'qmp_capabilities')
    rest, failed = sys.argv[2:], False
    if rest[:1] == ['--hmp']:
        for line in rest[1:]:
            answer = execute(f, 'human-monitor-command', {'command-line': line})
            failed |= 'error' in answer
            sys.stdout.write(answer.get('return', json.dumps(answer) + '\n'))
    else:
        while rest:
            name, args = rest[0], rest[1] if len(rest) > 1 else '-'
            rest = rest[2:]
            answer = execute(f, name, None if args == '-' else json.loads(args))
            failed |= 'error' in answer
            print(json.dumps(answer))
    sys.stdout.flush()
    sys.exit(1 if failed else 0)


main()

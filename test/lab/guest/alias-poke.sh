#!/bin/bash
# Opens and closes the q35 SMRAM window from the monitor while the device runs (inside the
# outer guest, installed as /lab/). The writes are the MCH config writes SeaBIOS does in POST
# (00:00.0 SMRAM 0x9d, ESMRAMC 0x9e, through ports 0xcf8/0xcfc), plus H_SMRAME in ESMRAMC so
# that opening D_OPEN makes the `smram-open-high` alias (GPA 0xfeda0000 -> RAM 0xa0000) appear.
#   usage: alias-poke.sh QMP_SOCKET STEPS_LOG POKES GAP_SECONDS [HOOK]
# HOOK, when given, runs as `HOOK alias-open` and `HOOK alias-closed` GAP seconds after the first
# poke opened and closed the window (the lab takes QEMU's cores there).
set -u
SOCK=$1; STEPS=$2; POKES=$3; GAP=$4; HOOK=${5:-}
hmp() { python3 /lab/qmp_client.py "$SOCK" --hmp "$@"; }
note() { echo "[$(cut -d' ' -f1 /proc/uptime)] wall=$(date +%s.%6N) $*" >>"$STEPS"; }
raw=$(hmp "o /w 0xcf8 0x8000009c" "i /w 0xcfc" | tr -d '\r' | grep -o '0x[0-9a-f]*$' | tail -1)
raw=${raw:-0}
smram=$(( (raw >> 8) & 0xff )); esmramc=$(( (raw >> 16) & 0xff ))
open=$(printf 0x%02x $(( (smram | 0x40) & ~0x20 )))
close=$(printf 0x%02x $(( smram & ~0x40 )))
esmramc_on=$(printf 0x%02x $(( esmramc | 0x80 )))
note "MCH dword@0x9c=$raw SMRAM=$(printf 0x%02x $smram) ESMRAMC=$(printf 0x%02x $esmramc)"
for k in $(seq 1 "$POKES"); do
  note "poke $k: open SMRAM (ESMRAMC=$esmramc_on SMRAM=$open)"
  hmp "o /w 0xcf8 0x8000009c" "o /b 0xcfe $esmramc_on" "o /b 0xcfd $open" >>"$STEPS" 2>&1
  sleep "$GAP"
  [ -n "$HOOK" ] && [ "$k" = 1 ] && $HOOK alias-open
  note "poke $k: close SMRAM (SMRAM=$close)"
  hmp "o /w 0xcf8 0x8000009c" "o /b 0xcfd $close" >>"$STEPS" 2>&1
  sleep "$GAP"
  [ -n "$HOOK" ] && [ "$k" = 1 ] && $HOOK alias-closed
done

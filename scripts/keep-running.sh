#!/usr/bin/env bash
# keep-running.sh COMMAND [ARGS...]: run COMMAND and start it again whenever it ends, until this
# script gets TERM or INT, which it passes on to COMMAND before it exits. `make run` keeps the
# scheduler alive with it.
set -u
child=""
stopping=0
stop() {
  stopping=1
  if [ -n "$child" ]; then
    kill -TERM "$child" 2>/dev/null
    wait "$child" 2>/dev/null
  fi
  exit 0
}
trap stop TERM INT
while [ "$stopping" = 0 ]; do
  "$@" &
  child=$!
  wait "$child"
  status=$?
  child=""
  echo "keep-running: '$*' ended with status $status; starting it again in ${KEEP_RUNNING_DELAY:-2} s" >&2
  sleep "${KEEP_RUNNING_DELAY:-2}" &
  wait $!
done

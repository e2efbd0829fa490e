#!/bin/sh
# As in the official minio image: anything that is not already `minio ...` goes to minio.
set -e
if [ "$1" != "minio" ] && [ -n "$1" ]; then
  case "$1" in
    /*|sh|bash|mc|node) ;;
    *) set -- minio "$@" ;;
  esac
fi
exec "$@"

#!/bin/sh
# As upstream's deploy/entrypoint.sh: the image's arguments follow -logtostderr.
set -e
exec /usr/bin/cadvisor -logtostderr "$@"

#!/bin/sh
# Emulates the official redis image's entrypoint: leading flags or a .conf file mean
# "redis-server ...", which then runs as the redis user from /data with umask 0077.
set -e
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
  set -- redis-server "$@"
fi
if [ "$1" = 'redis-server' ] && [ "$(id -u)" = '0' ]; then
  find . \! -user redis -exec chown redis '{}' +
  exec setpriv --reuid=redis --regid=redis --init-groups "$0" "$@"
fi
um="$(umask)"
if [ "$um" = '0022' ]; then umask 0077; fi
if [ "$1" = 'redis-server' ]; then
  # The official build compiles protected-mode off; Debian's is on, so switch it off
  # unless the caller decided (a config file or an explicit flag).
  case " $* " in
    *" --protected-mode "*|*.conf*) ;;
    *) shift; set -- redis-server --protected-mode no "$@" ;;
  esac
fi
exec "$@"

#!/usr/bin/env bash
# Make sure the services the test suite talks to are up: PostgreSQL 15 on 127.0.0.1:5432
# (trust auth, database `test`) and Redis on 127.0.0.1:6379. Installs them with apt-get
# where they are missing (a fresh Debian machine), starts them where they are stopped.
set -euo pipefail

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then as_root apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

pg_ready() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }

if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  apt_install postgresql-15 postgresql-client-15
fi
if ! pg_ready; then
  cluster=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n1)
  as_root pg_ctlcluster --skip-systemctl-redirect "${cluster:-15}" main start || true
  for _ in $(seq 1 30); do pg_ready && break; sleep 1; done
fi
pg_ready || { echo "PostgreSQL is not reachable on 127.0.0.1:5432" >&2; exit 1; }
# The suite connects as `postgres` to database `test`, creating it when missing.
if ! psql -h 127.0.0.1 -U postgres -d test -Atc 'select 1' >/dev/null 2>&1; then
  as_root su postgres -c "createdb test" 2>/dev/null || psql -h 127.0.0.1 -U postgres -c 'create database test' >/dev/null
fi

if ! command -v redis-server >/dev/null 2>&1; then
  apt_install redis-server
fi
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/yuqing-test.log
  for _ in $(seq 1 30); do redis-cli ping >/dev/null 2>&1 && break; sleep 0.2; done
fi
# The browser journeys (tests/web/test_browser.py) drive Debian's Chromium headless
# (`playwright install` downloads nothing here) and need CJK fonts for the pages' text.
# Reports (docs/reports.md): weasyprint prints PDF through pango; charts and PDFs use the
# Noto CJK fonts; the tests read PDFs back with poppler's pdftotext, pdffonts, pdftoppm.
system_packages=()
[ -x /usr/bin/chromium ] || system_packages+=(chromium)
ldconfig -p 2>/dev/null | grep -q 'libpango-1.0.so' || system_packages+=(libpango-1.0-0 libpangoft2-1.0-0)
fc-list 2>/dev/null | grep -qi 'Noto Sans CJK' || system_packages+=(fonts-noto-cjk fontconfig)
command -v pdffonts >/dev/null 2>&1 || system_packages+=(poppler-utils)
if [ "${#system_packages[@]}" -gt 0 ]; then
  apt_install "${system_packages[@]}"
fi
echo "services: PostgreSQL and Redis are up; Chromium, report fonts and libraries present"

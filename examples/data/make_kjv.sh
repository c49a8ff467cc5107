#!/bin/sh
# Writes examples/data/kjv-genesis-exodus.txt, the public-domain King James Version text of Genesis
# and Exodus (one verse per line, references dropped), from Debian's bible-kjv package:
#   apt-get install bible-kjv && sh examples/data/make_kjv.sh
set -e
cd "$(dirname "$0")"
bible -f 'gen1:1-ex40:38' | sed -E 's/^[0-9A-Za-z]+[0-9]+:[0-9]+ //' > kjv-genesis-exodus.txt
wc -c kjv-genesis-exodus.txt

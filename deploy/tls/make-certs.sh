#!/usr/bin/env bash
# Makes a private CA and certificates for a TLS compose deployment, in this directory:
#   ca.pem            the CA clients trust (DRAMAWIRE_TLS_CA, the CLI's --ca)
#   ingest.pem/.key   for the ingest service: names ingest, localhost, 127.0.0.1
#   subscriber.pem/.key  for the subscribers: names subscriber, localhost, 127.0.0.1
#   client.pem/.key   a client certificate, for DRAMAWIRE_TLS_CLIENT_CA (mutual TLS)
# Extra names for the service certificates: EXTRA_NAMES="DNS:news.example,IP:10.0.0.5".
# For trying TLS out. In production, use certificates from your own CA and keep the keys
# readable only by the service user (the keys here are world-readable so that the containers'
# user can read them from a bind mount).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
days="${DAYS:-365}"
extra="${EXTRA_NAMES:+,$EXTRA_NAMES}"
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

[[ -f ca.key ]] || { key ca.key; openssl req -x509 -new -key ca.key -out ca.pem -days "$days" -subj "/CN=DramaWire CA"; }
for name in ingest subscriber client; do
    key "$name.key"
    openssl req -new -key "$name.key" -out "$name.csr" -subj "/CN=$name"
    if [[ $name == client ]]; then
        printf 'extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n' > "$name.ext"
    else
        printf 'subjectAltName=DNS:%s,DNS:localhost,IP:127.0.0.1%s\nbasicConstraints=CA:FALSE\n' "$name" "$extra" > "$name.ext"
    fi
    openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -out "$name.pem" \
        -days "$days" -extfile "$name.ext" 2>/dev/null
    rm -f "$name.csr" "$name.ext"
    chmod 644 "$name.key"
done
echo "certificates in $(pwd): ca.pem, ingest.pem, subscriber.pem, client.pem (and their keys)"

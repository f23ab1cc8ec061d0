#!/bin/sh
# TEST ONLY: generates the throw-away PKI that the tlsfit harness embeds in its firmware.
# Never use these keys or certificates in a product: the private keys are public.
#
# Usage: c_harness/pki/make_pki.sh [OUTDIR]   (default: the directory holding this script)
# Layout per ID (ID = rsa2048 rsa2048-alt rsa3072 rsa4096 ec256 ec256-alt ec384 chain-rsa4096;
# ec256-alt and rsa2048-alt are second, unrelated roots for "wrong CA" tests on configs
# that parse only one key type):
#   ID/ca.{pem,der} ca.key.pem           trust anchor (root)
#   ID/server.{pem,der} server.key.{pem,der}          leaf for tls-server.test
#   ID/server-other.{pem,der} server-other.key.{pem,der}  leaf for other.test (SNI dispatch)
#   ID/server-chain.pem                  leaf + intermediates (what a server sends), ID/chain-int.pem
#   chain-rsa4096/int.{pem,der}          RSA-2048 intermediate under the RSA-4096 root
#   client-ec256/, client-rsa2048/       client.{pem,der} client.key.{pem,der} (issued by ec256 / rsa2048)
set -eu
OUT=${1:-$(cd "$(dirname "$0")" && pwd)}
DAYS=36500
umask 022
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

genkey() { # genkey TYPE FILE
    case "$1" in
        rsa2048-alt) openssl genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$2" ;;
        rsa*) openssl genpkey -quiet -algorithm RSA -pkeyopt "rsa_keygen_bits:${1#rsa}" -out "$2" ;;
        ec256|ec256-alt) openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -pkeyopt ec_param_enc:named_curve -out "$2" ;;
        ec384) openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -pkeyopt ec_param_enc:named_curve -out "$2" ;;
        *) echo "unknown key type $1" >&2; exit 2 ;;
    esac
}
mdfor() { case "$1" in ec384) echo sha384 ;; *) echo sha256 ;; esac; }

ext_ca="basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash"
ext_int="basicConstraints=critical,CA:TRUE,pathlen:0
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid"
leaf_ext() { # leaf_ext DNSNAME|"" serverAuth|clientAuth
    printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=%s\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n' "$2"
    [ -n "$1" ] && printf 'subjectAltName=DNS:%s\n' "$1"
    return 0
}

sign() { # sign CSR ISSUER_CERT ISSUER_KEY MD EXTFILE SERIAL OUT
    openssl x509 -req -in "$1" -CA "$2" -CAkey "$3" -"$4" -days $DAYS -set_serial "$6" \
        -extfile "$5" -out "$7" 2>/dev/null
}

mkleaf() { # mkleaf TYPE DIR BASENAME CN DNS EKU ISSUER_CERT ISSUER_KEY MD SERIAL
    genkey "$1" "$2/$3.key.pem"
    openssl req -new -key "$2/$3.key.pem" -subj "/O=tlsfit TEST ONLY/CN=$4" -out "$tmp/csr"
    leaf_ext "$5" "$6" > "$tmp/ext"
    sign "$tmp/csr" "$7" "$8" "$9" "$tmp/ext" "${10}" "$2/$3.pem"
    openssl pkey -in "$2/$3.key.pem" -outform DER -out "$2/$3.key.der"
}

selfsign_root() { # selfsign_root TYPE DIR CN  (v3 CA extensions via -addext-free config)
    genkey "$1" "$2/ca.key.pem"
    cat > "$tmp/req.cnf" <<CNF
[req]
distinguished_name=dn
x509_extensions=v3
prompt=no
[dn]
O=tlsfit TEST ONLY
CN=$3
[v3]
$ext_ca
CNF
    openssl req -new -x509 -config "$tmp/req.cnf" -key "$2/ca.key.pem" -"$(mdfor "$1")" -days $DAYS \
        -set_serial 1 -out "$2/ca.pem"
}

for id in rsa2048 rsa2048-alt rsa3072 rsa4096 ec256 ec256-alt ec384; do
    d="$OUT/$id"; mkdir -p "$d"
    selfsign_root "$id" "$d" "tlsfit test root $id"
    md=$(mdfor "$id")
    mkleaf "$id" "$d" server "tls-server.test" "tls-server.test" serverAuth "$d/ca.pem" "$d/ca.key.pem" "$md" 2
    mkleaf "$id" "$d" server-other "other.test" "other.test" serverAuth "$d/ca.pem" "$d/ca.key.pem" "$md" 3
    cp "$d/server.pem" "$d/server-chain.pem"
    cp "$d/server-other.pem" "$d/server-other-chain.pem"
    : > "$d/chain-int.pem"
done

# Three levels like a public CA: RSA-4096 root -> RSA-2048 intermediate -> RSA-2048 leaves.
d="$OUT/chain-rsa4096"; mkdir -p "$d"
selfsign_root rsa4096 "$d" "tlsfit test root chain-rsa4096"
genkey rsa2048 "$d/int.key.pem"
openssl req -new -key "$d/int.key.pem" -subj "/O=tlsfit TEST ONLY/CN=tlsfit test intermediate chain-rsa4096" -out "$tmp/csr"
printf '%s\n' "$ext_int" > "$tmp/ext"
sign "$tmp/csr" "$d/ca.pem" "$d/ca.key.pem" sha256 "$tmp/ext" 2 "$d/int.pem"
mkleaf rsa2048 "$d" server "tls-server.test" "tls-server.test" serverAuth "$d/int.pem" "$d/int.key.pem" sha256 3
mkleaf rsa2048 "$d" server-other "other.test" "other.test" serverAuth "$d/int.pem" "$d/int.key.pem" sha256 4
cat "$d/server.pem" "$d/int.pem" > "$d/server-chain.pem"
cat "$d/server-other.pem" "$d/int.pem" > "$d/server-other-chain.pem"
cp "$d/int.pem" "$d/chain-int.pem"
cat "$d/int.pem" "$d/ca.pem" > "$d/chain-store.pem"   # for s_server -build_chain -chainCAfile

# Client certificates for mutual TLS.
mkdir -p "$OUT/client-ec256" "$OUT/client-rsa2048"
mkleaf ec256 "$OUT/client-ec256" client "tlsfit test client ec256" "" clientAuth \
    "$OUT/ec256/ca.pem" "$OUT/ec256/ca.key.pem" sha256 10
mkleaf rsa2048 "$OUT/client-rsa2048" client "tlsfit test client rsa2048" "" clientAuth \
    "$OUT/rsa2048/ca.pem" "$OUT/rsa2048/ca.key.pem" sha256 10
cp "$OUT/ec256/ca.pem" "$OUT/client-ec256/ca.pem"
cp "$OUT/rsa2048/ca.pem" "$OUT/client-rsa2048/ca.pem"

# DER copies of every certificate.
for f in "$OUT"/*/*.pem; do
    case "$f" in *.key.pem|*-chain.pem|*/chain-int.pem|*/chain-store.pem) continue ;; esac
    openssl x509 -in "$f" -outform DER -out "${f%.pem}.der"
done
# Chain in DER for the intermediate is int.der; verify everything.
for id in rsa2048 rsa2048-alt rsa3072 rsa4096 ec256 ec256-alt ec384; do
    openssl verify -CAfile "$OUT/$id/ca.pem" "$OUT/$id/server.pem" "$OUT/$id/server-other.pem" >/dev/null
done
openssl verify -CAfile "$OUT/chain-rsa4096/ca.pem" -untrusted "$OUT/chain-rsa4096/int.pem" \
    "$OUT/chain-rsa4096/server.pem" >/dev/null
openssl verify -CAfile "$OUT/ec256/ca.pem" "$OUT/client-ec256/client.pem" >/dev/null
openssl verify -CAfile "$OUT/rsa2048/ca.pem" "$OUT/client-rsa2048/client.pem" >/dev/null
echo "make_pki: test PKI written to $OUT"

#!/bin/sh
# Regenerates the TLS test fixtures (TLSClientCertificateTests): a private CA, a server
# certificate for 127.0.0.1/localhost and a client certificate, both signed by it, and a key that
# belongs to neither. Run once from this folder; the files are committed (valid for 100 years).
set -e
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 36500 \
  -subj "/CN=Rehearse Test CA" -keyout ca.key -out ca.pem
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
  -keyout server.key -out server.csr
printf "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n" > server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 36500 -extfile server.ext -out server.pem
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=rehearse-client" \
  -keyout client.key -out client.csr
printf "extendedKeyUsage=clientAuth\n" > client.ext
openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 36500 -extfile client.ext -out client.pem
openssl genpkey -algorithm ec -pkeyopt ec_paramgen_curve:P-256 -out other.key
rm -f server.csr client.csr server.ext client.ext ca.srl

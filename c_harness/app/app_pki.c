/* Lookup in the embedded test PKI: PEM blobs when the config parses PEM, DER otherwise; and the
 * one certificate parser over it (TLS configuration and verify-only mode). */
#include <string.h>

#include "mbedtls/build_info.h"
#if defined(MBEDTLS_X509_CRT_PARSE_C)
#include "mbedtls/x509_crt.h"
#endif

#include "app.h"

const struct app_pki_blob *app_pki_find(const char *dir, const char *base)
{
#if defined(MBEDTLS_PEM_PARSE_C)
    const struct app_pki_blob *blobs = app_pki_pem_blobs;
    size_t count = app_pki_pem_count;
#else
    const struct app_pki_blob *blobs = app_pki_der_blobs;
    size_t count = app_pki_der_count;
#endif
    size_t dir_len = strlen(dir);
    for (size_t i = 0; i < count; i++) {
        const char *name = blobs[i].name;
        if (strncmp(name, dir, dir_len) == 0 && name[dir_len] == '/' && strcmp(name + dir_len + 1, base) == 0) {
            return &blobs[i];
        }
    }
    return NULL;
}

#if defined(MBEDTLS_X509_CRT_PARSE_C)
int app_pki_parse_crt(mbedtls_x509_crt *crt, const char *dir, const char *base, int optional)
{
    const struct app_pki_blob *blob = app_pki_find(dir, base);
    if (blob == NULL) {
        return optional ? 0 : MBEDTLS_ERR_X509_FILE_IO_ERROR;
    }
#if defined(MBEDTLS_PEM_PARSE_C)
    return mbedtls_x509_crt_parse(crt, blob->data, blob->len);
#else
    /* DER certificates live in flash: reference them instead of copying them to the heap,
     * as a product with built-in trust anchors would (a tlsfit product duty). */
    return mbedtls_x509_crt_parse_der_nocopy(crt, blob->data, blob->len);
#endif
}

int app_pki_parse_chain(mbedtls_x509_crt *crt, const char *dir, const char *leaf)
{
    static const char *const intermediates[] = {"int", "int2", "int3"};
    int ret = app_pki_parse_crt(crt, dir, leaf, 0);
    for (size_t i = 0; ret == 0 && i < sizeof(intermediates) / sizeof(intermediates[0]); i++) {
        ret = app_pki_parse_crt(crt, dir, intermediates[i], 1);
    }
    return ret;
}
#endif

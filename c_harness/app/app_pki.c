/* Lookup in the embedded test PKI: PEM blobs when the config parses PEM, DER otherwise. */
#include <string.h>

#include "mbedtls/build_info.h"

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

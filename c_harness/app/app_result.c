/* The result record every mode fills in and the report prints. */
#include <string.h>

#include "app.h"

void app_result_init(struct app_result *result)
{
    memset(result, 0, sizeof(*result));
    result->stage = "init";
    result->tls_version = "";
    result->ciphersuite = "";
}

void app_result_detail(struct app_result *result, const char *text)
{
    size_t len = strlen(text);
    if (len >= sizeof(result->detail)) {
        len = sizeof(result->detail) - 1u;
    }
    memcpy(result->detail, text, len);
    result->detail[len] = '\0';
}

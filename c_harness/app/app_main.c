/* Entry point: read run parameters, run one test, print one TLSFIT-RESULT line, exit via semihosting. */
#include <string.h>

#include "mbedtls/build_info.h"
#if defined(MBEDTLS_PSA_CRYPTO_C)
#include "psa/crypto.h"
#endif

#if defined(MBEDTLS_ERROR_C)
#include "mbedtls/error.h"
#endif

#if defined(TLSFIT_CONNECTIONS)
#include "mbedtls/ssl.h"
#endif

#include "app.h"
#include "board.h"
#include "inst.h"

static char app_main_cmdline[512];

/* Deliberate faults, so the host's crash reporting can be tested. */
static __attribute__((noinline)) uint32_t app_main_recurse(volatile uint32_t *depth)
{
    volatile uint8_t pad[256];
    pad[0] = (uint8_t)*depth;
    (*depth)++;
    if (*depth == 0u) {
        return pad[0]; /* never: the stack limit faults first */
    }
    return app_main_recurse(depth) + pad[0];
}

static void app_main_crash(enum app_crash crash)
{
    if (crash == APP_CRASH_UDF) {
        __asm__ volatile("udf #0x42");
    } else if (crash == APP_CRASH_STACK) {
        volatile uint32_t depth = 0u;
        (void)app_main_recurse(&depth);
    } else if (crash == APP_CRASH_BUS) {
        (void)*(volatile uint32_t *)0xF0000000u;
    }
}

/* Loop of known length: 4 instructions per iteration (subs, bne, and two nops). */
static uint64_t app_main_calibrate(uint32_t iterations)
{
    uint64_t start = inst_icount_ticks();
    __asm__ volatile("1:\n"
                     "nop\n"
                     "nop\n"
                     "subs %0, %0, #1\n"
                     "bne 1b\n"
                     : "+r"(iterations)
                     :
                     : "cc");
    return inst_icount_ticks() - start;
}

static int app_main_exit_code(const struct app_result *result, const struct inst_heap_stats *heap)
{
    if (result->ok) {
        return BOARD_EXIT_OK;
    }
    if (result->bad_params) {
        return BOARD_EXIT_BAD_PARAMS;
    }
    if (heap->refusals != 0u) {
        return BOARD_EXIT_HEAP;
    }
    return BOARD_EXIT_TLS_FAILURE;
}

static const char *app_main_mode_name(enum app_mode mode)
{
    switch (mode) {
    case APP_MODE_SERVER: return "server";
    case APP_MODE_CSR: return "csr";
    case APP_MODE_CALIBRATE: return "calibrate";
#if defined(TLSFIT_VERIFY_MODE)
    case APP_MODE_VERIFY: return "verify";
#endif
    default: return "client";
    }
}

int main(void)
{
    static struct app_params params;
    static struct app_result result;
    static struct app_transport transport;
    static struct inst_report report;
#if defined(TLSFIT_CONNECTIONS)
    static struct app_conns_report conns = { .failed = -1 };
#endif
    char error[80] = "";

    inst_stack_paint();
    inst_icount_start();
    app_result_init(&result);

    int parsed = -1;
    if (board_semihost_cmdline(app_main_cmdline, sizeof(app_main_cmdline)) < 0) {
        memcpy(error, "semihosting SYS_GET_CMDLINE failed", sizeof("semihosting SYS_GET_CMDLINE failed"));
    } else {
        parsed = app_params_parse(app_main_cmdline, &params, error, sizeof(error));
    }
    uint64_t calib_ticks = 0u;
    uint32_t calib_iterations = 0u;
    if (parsed != 0) {
        result.bad_params = 1;
        result.ret = -1;
        app_result_detail(&result, error);
    } else {
        app_main_crash(params.crash);
        app_entropy_set_seed(params.seed);
#if defined(TLSFIT_VERIFY_MODE)
        board_clock_set_unset(params.clock_unset);
#endif
        inst_heap_set_limit(params.heap_limit);
        transport.timeout_ms = params.timeout_ms;
        int ret = 0;
#if defined(MBEDTLS_PSA_CRYPTO_C)
        if (psa_crypto_init() != PSA_SUCCESS) {
            ret = -1;
            app_result_detail(&result, "psa_crypto_init failed");
        }
#endif
        if (ret == 0 && (ret = app_rng_setup()) != 0) {
            app_result_detail(&result, "DRBG seeding failed");
        }
        if (ret != 0) {
            result.ret = ret;
        } else if (params.mode == APP_MODE_CALIBRATE) {
            calib_iterations = 1000000u;
            calib_ticks = app_main_calibrate(calib_iterations);
            result.ok = 1;
            result.stage = "done";
        } else if (params.mode == APP_MODE_CSR) {
            app_csr_run(&params, &result);
#if defined(TLSFIT_VERIFY_MODE)
        } else if (params.mode == APP_MODE_VERIFY) {
            app_verify_run(&params, &result);
#endif
#if defined(TLSFIT_CONNECTIONS)
        } else if (params.connections != 0u) {
            app_conns_run(&params, &transport, &result, &conns);
#endif
        } else {
            app_tls_run(&params, &transport, &result);
        }
        app_rng_free();
    }

    struct inst_heap_stats heap = inst_heap_get_stats();
    int code = app_main_exit_code(&result, &heap);
    uint64_t hs_compute = result.hs_ticks - result.hs_io_ticks;

    inst_report_begin(&report);
    inst_report_int(&report, "schema_version", TLSFIT_RESULT_SCHEMA);
    inst_report_str(&report, "test", parsed == 0 ? params.test : "unparsed");
    inst_report_str(&report, "mode", app_main_mode_name(params.mode));
    inst_report_bool(&report, "ok", result.ok);
    inst_report_str(&report, "stage", result.stage);
    inst_report_int(&report, "ret", result.ret);
    inst_report_errhex(&report, "ret_hex", result.ret);
    inst_report_uint(&report, "verify_flags", result.verify_flags);
    inst_report_hex(&report, "verify_flags_hex", result.verify_flags);
    inst_report_str(&report, "tls_version", result.tls_version);
    inst_report_str(&report, "ciphersuite", result.ciphersuite);
    inst_report_uint(&report, "heap_peak", heap.peak);
    inst_report_uint(&report, "heap_allocations", heap.allocations);
    inst_report_uint(&report, "heap_refusals", heap.refusals);
    inst_report_uint(&report, "heap_limit", heap.limit);
    inst_report_bool(&report, "heap_exhausted", heap.refusals != 0u);
    inst_report_uint(&report, "stack_peak", inst_stack_peak());
    inst_report_uint(&report, "stack_size", (uint32_t)((uintptr_t)board_stack_top - (uintptr_t)board_stack_limit));
    inst_report_uint(&report, "hs_instructions", hs_compute * INST_ICOUNT_INSTR_PER_TICK);
    inst_report_uint(&report, "hs_io_instructions", result.hs_io_ticks * INST_ICOUNT_INSTR_PER_TICK);
    inst_report_uint(&report, "hs_ticks", result.hs_ticks);
    inst_report_uint(&report, "bytes_tx", transport.bytes_tx);
    inst_report_uint(&report, "bytes_rx", transport.bytes_rx);
    inst_report_uint(&report, "app_bytes_tx", result.app_bytes_tx);
    inst_report_uint(&report, "app_bytes_rx", result.app_bytes_rx);
    inst_report_int(&report, "max_in_payload", result.max_in_payload);
    inst_report_int(&report, "max_out_payload", result.max_out_payload);
    inst_report_uint(&report, "negotiated_mfl", result.negotiated_mfl);
    inst_report_uint(&report, "peer_record_size_limit", result.peer_record_size_limit);
    inst_report_str(&report, "sni", result.sni);
    inst_report_str(&report, "http_status", result.http_status);
    inst_report_str(&report, "detail", result.detail);
#if defined(TLSFIT_CONNECTIONS)
    inst_report_uint(&report, "connections", conns.connections);
    inst_report_uint(&report, "conns_ok", conns.ok);
    inst_report_int(&report, "conn_failed", conns.failed);
    inst_report_uint(&report, "heap_config", conns.heap_config);
    inst_report_uint(&report, "heap_config_peak", conns.heap_config_peak);
    inst_report_uint(&report, "heap_setup", conns.heap_setup);
    inst_report_uint(&report, "heap_open", conns.heap_open);
    inst_report_uint(&report, "ssl_context_bytes", sizeof(mbedtls_ssl_context));
#endif
#if defined(MBEDTLS_ERROR_C)
    /* The profile asked for error strings: report them, as a product would log them. */
    char error_text[96];
    mbedtls_strerror(result.ret, error_text, sizeof(error_text));
    inst_report_str(&report, "error_string", result.ret != 0 ? error_text : "");
#endif
    if (params.mode == APP_MODE_CALIBRATE) {
        inst_report_uint(&report, "calib_instructions", (uint64_t)calib_iterations * 4u);
        inst_report_uint(&report, "calib_ticks", calib_ticks);
    }
    inst_report_int(&report, "exit_code", code);
    inst_report_emit(&report);
    return code;
}

/*
 * The contract between the firmware and tlsfit's Python runner, in one place.
 *
 * The firmware includes this header; tlsfit/run/contract.py reads the same
 * file through the C preprocessor. Change a value here and both sides follow.
 * Everything below is TEST ONLY: no generated product config refers to it.
 */
#ifndef TLSFIT_CONTRACT_H
#define TLSFIT_CONTRACT_H

/* Exit codes reported through semihosting SYS_EXIT_EXTENDED. */
#define TLSFIT_EXIT_OK 0          /* test passed */
#define TLSFIT_EXIT_TLS_FAILURE 1 /* TLS/X.509 error (expected in negative tests) */
#define TLSFIT_EXIT_BAD_PARAMS 2  /* run parameters invalid or unsupported by this config */
#define TLSFIT_EXIT_FAULT 3       /* CPU fault (HardFault, stack overflow, ...) */
#define TLSFIT_EXIT_HEAP 4        /* heap exhausted (allocation refused) */
#define TLSFIT_EXIT_INTERNAL 5    /* harness bug (e.g. main returned unexpectedly) */

/* The tags of the lines the firmware prints on UART0 for the runner. */
#define TLSFIT_RESULT_TAG "TLSFIT-RESULT"
#define TLSFIT_FAULT_TAG "TLSFIT-FAULT"

/* The result line: its schema, and the keys the runner reads from it (app_main.c writes
 * them; the runner refuses a result line without one of them). */
#define TLSFIT_RESULT_SCHEMA 1
#define TLSFIT_RESULT_KEYS "ok,stage,ret,ret_hex,verify_flags,tls_version,ciphersuite," \
    "heap_peak,heap_exhausted,stack_peak,hs_instructions,bytes_tx,bytes_rx,app_bytes_tx," \
    "app_bytes_rx,negotiated_mfl,peer_record_size_limit,exit_code"

/* Images built with -DTLSFIT_CONNECTIONS=ON (tlsfit measure/run --connections N): N TLS
 * sessions at once over UART1, multiplexed by frames of a 4-byte header (type, connection id,
 * payload length big-endian) and the payload.
 *   firmware -> relay  DATA(id, n, bytes)  bytes for connection id's peer; n = 0: close it (FIN)
 *   firmware -> relay  READ(id, n)         ask for up to n bytes of connection id
 *   relay -> firmware  DATA(id, m, bytes)  the answer to READ: 1 <= m <= n, or m = 0: the peer
 *                                          closed and nothing is left (EOF)
 * One READ is outstanding at a time; the relay keeps what each peer sent until it is asked for. */
#define TLSFIT_MAX_CONNECTIONS 8
#define TLSFIT_FRAME_DATA 0x44 /* 'D' */
#define TLSFIT_FRAME_READ 0x52 /* 'R' */
#define TLSFIT_FRAME_HEADER 4
/* The result line's extra keys in that mode. */
#define TLSFIT_CONNECTIONS_KEYS "connections,conns_ok,conn_failed,heap_config,heap_setup," \
    "heap_config_peak,heap_open,ssl_context_bytes"

/* The pre-shared key and identity of the PSK cases (TEST ONLY, 16 bytes). */
#define TLSFIT_TEST_PSK "tlsfit-test-psk!"
#define TLSFIT_TEST_PSK_IDENTITY "tlsfit-client"

/* The host name the test PKI's server certificates are issued for. */
#define TLSFIT_TEST_HOST "tls-server.test"

#endif

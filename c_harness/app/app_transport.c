/* Mbed TLS I/O callbacks over UART1 (QEMU socket chardev). The guest never sees EOF: time out. */
#include "mbedtls/ssl.h"

#include "app.h"
#include "board.h"

int app_transport_send(void *ctx, const unsigned char *buf, size_t len)
{
    struct app_transport *transport = ctx;
    uint64_t start = inst_icount_ticks();
    board_uart_write(BOARD_UART_TLS, buf, len);
    transport->bytes_tx += (uint32_t)len;
    transport->io_ticks += inst_icount_ticks() - start;
    return (int)len;
}

/* Blocks for the first byte (up to timeout_ms of guest time), then takes what is already waiting. */
int app_transport_recv(void *ctx, unsigned char *buf, size_t len)
{
    struct app_transport *transport = ctx;
    uint64_t start = inst_icount_ticks();
    uint64_t limit = inst_icount_ms_to_ticks(transport->timeout_ms);
    size_t got = 0u;
    while (got == 0u) {
        if (board_uart_try_getc(BOARD_UART_TLS, &buf[0]) != 0) {
            got = 1u;
        } else if (inst_icount_ticks() - start > limit) {
            transport->io_ticks += inst_icount_ticks() - start;
            return MBEDTLS_ERR_SSL_TIMEOUT;
        }
    }
    while (got < len && board_uart_try_getc(BOARD_UART_TLS, &buf[got]) != 0) {
        got++;
    }
    transport->bytes_rx += (uint32_t)got;
    transport->io_ticks += inst_icount_ticks() - start;
    return (int)got;
}

/* Board support for QEMU mps2-an505 (Cortex-M33, Secure state). */
#ifndef TLSFIT_BOARD_H
#define TLSFIT_BOARD_H

#include <stddef.h>
#include <stdint.h>

#include "tlsfit_contract.h"

/* Exit codes reported through semihosting SYS_EXIT_EXTENDED (tlsfit_contract.h). */
enum board_exit_code {
    BOARD_EXIT_OK = TLSFIT_EXIT_OK,
    BOARD_EXIT_TLS_FAILURE = TLSFIT_EXIT_TLS_FAILURE,
    BOARD_EXIT_BAD_PARAMS = TLSFIT_EXIT_BAD_PARAMS,
    BOARD_EXIT_FAULT = TLSFIT_EXIT_FAULT,
    BOARD_EXIT_HEAP = TLSFIT_EXIT_HEAP,
    BOARD_EXIT_INTERNAL = TLSFIT_EXIT_INTERNAL
};

/* Linker-script symbols. */
extern uint32_t board_stack_limit[];
extern uint32_t board_stack_top[];
extern uint8_t board_heap_start[];
extern uint8_t board_heap_end[];

/* UARTs (CMSDK APB UART, polled). UART0 = log, UART1 = TLS transport. */
enum board_uart_id { BOARD_UART_LOG = 0, BOARD_UART_TLS = 1 };

void board_uart_init(enum board_uart_id id);
void board_uart_putc(enum board_uart_id id, uint8_t byte);
void board_uart_write(enum board_uart_id id, const void *data, size_t len);
void board_uart_puts(enum board_uart_id id, const char *text);
/* Returns 1 and stores a byte when one is waiting, else 0 (never blocks). */
int board_uart_try_getc(enum board_uart_id id, uint8_t *byte);

/* Semihosting (needs -semihosting-config enable=on,target=native). */
__attribute__((noreturn)) void board_semihost_exit(int code);
/* Copies the command line (QEMU: kernel path + " " + -append) into buf; returns length or -1. */
int board_semihost_cmdline(char *buf, size_t size);
/* Host time in seconds since the epoch, or -1. */
long board_semihost_time(void);
/* unset != 0: time() reads 0 (1 January 1970), a device whose clock was never set (TEST ONLY). */
void board_clock_set_unset(int unset);

/* Faults: enables the configurable fault handlers; a fault prints TLSFIT-FAULT and exits 3. */
void board_fault_init(void);

/* Exception handlers, weak aliases of board_default_handler unless defined elsewhere. */
void board_reset_handler(void);
void board_systick_handler(void);

int main(void);

#endif

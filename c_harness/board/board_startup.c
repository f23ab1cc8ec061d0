/* Vector table and reset handler for mps2-an505 (Secure state, VTOR = 0x10000000). */
#include <string.h>

#include "board.h"

extern uint32_t board_data_start[];
extern uint32_t board_data_end[];
extern uint32_t board_data_load[];
extern uint32_t board_bss_start[];
extern uint32_t board_bss_end[];

typedef void (*board_vector_fn)(void);

void board_default_handler(void);
void board_fault_entry(void);

#define BOARD_WEAK_ALIAS(name) void name(void) __attribute__((weak, alias("board_default_handler")))
BOARD_WEAK_ALIAS(board_nmi_handler);
BOARD_WEAK_ALIAS(board_hardfault_handler);
BOARD_WEAK_ALIAS(board_memmanage_handler);
BOARD_WEAK_ALIAS(board_busfault_handler);
BOARD_WEAK_ALIAS(board_usagefault_handler);
BOARD_WEAK_ALIAS(board_securefault_handler);
BOARD_WEAK_ALIAS(board_svc_handler);
BOARD_WEAK_ALIAS(board_debugmon_handler);
BOARD_WEAK_ALIAS(board_pendsv_handler);
BOARD_WEAK_ALIAS(board_systick_handler);
BOARD_WEAK_ALIAS(board_irq_handler);

#define BOARD_IRQ_COUNT 96

__attribute__((section(".vectors"), used))
const board_vector_fn board_vector_table[16 + BOARD_IRQ_COUNT] = {
    [0] = (board_vector_fn)(uintptr_t)board_stack_top,
    [1] = board_reset_handler,
    [2] = board_nmi_handler,
    [3] = board_hardfault_handler,
    [4] = board_memmanage_handler,
    [5] = board_busfault_handler,
    [6] = board_usagefault_handler,
    [7] = board_securefault_handler,
    [11] = board_svc_handler,
    [12] = board_debugmon_handler,
    [14] = board_pendsv_handler,
    [15] = board_systick_handler,
    [16 ... 16 + BOARD_IRQ_COUNT - 1] = board_irq_handler,
};

void board_reset_handler(void)
{
    /* Stack limit first, so an overflow anywhere later faults instead of corrupting RAM. */
    __asm__ volatile("msr msplim, %0" : : "r"(board_stack_limit));

    const uint32_t *src = board_data_load;
    for (uint32_t *dst = board_data_start; dst < board_data_end;) {
        *dst++ = *src++;
    }
    for (uint32_t *dst = board_bss_start; dst < board_bss_end;) {
        *dst++ = 0u;
    }

    board_uart_init(BOARD_UART_LOG);
    board_uart_init(BOARD_UART_TLS);
    board_fault_init();

    int code = main();
    board_semihost_exit(code);
}

/* Any exception without its own handler: report it like a fault (never a silent loop). */
__attribute__((naked)) void board_default_handler(void)
{
    __asm__ volatile("b board_fault_entry");
}

/* CMSDK APB UART driver, polled. QEMU ignores the baud divisor but needs TX enable. */
#include "board.h"

#define BOARD_UART_BASE(n) (0x50200000u + (uint32_t)(n) * 0x1000u)

struct board_uart_regs {
    volatile uint32_t data;
    volatile uint32_t state;
    volatile uint32_t ctrl;
    volatile uint32_t intstatus;
    volatile uint32_t bauddiv;
};

#define BOARD_UART_STATE_TXFULL (1u << 0)
#define BOARD_UART_STATE_RXFULL (1u << 1)
#define BOARD_UART_CTRL_TXEN (1u << 0)
#define BOARD_UART_CTRL_RXEN (1u << 1)

static struct board_uart_regs *board_uart_regs_of(enum board_uart_id id)
{
    return (struct board_uart_regs *)BOARD_UART_BASE(id);
}

void board_uart_init(enum board_uart_id id)
{
    struct board_uart_regs *regs = board_uart_regs_of(id);
    regs->bauddiv = 16u;
    regs->ctrl = BOARD_UART_CTRL_TXEN | BOARD_UART_CTRL_RXEN;
}

void board_uart_putc(enum board_uart_id id, uint8_t byte)
{
    struct board_uart_regs *regs = board_uart_regs_of(id);
    while ((regs->state & BOARD_UART_STATE_TXFULL) != 0u) {
    }
    regs->data = byte;
}

void board_uart_write(enum board_uart_id id, const void *data, size_t len)
{
    const uint8_t *bytes = data;
    for (size_t i = 0; i < len; i++) {
        board_uart_putc(id, bytes[i]);
    }
}

void board_uart_puts(enum board_uart_id id, const char *text)
{
    while (*text != '\0') {
        board_uart_putc(id, (uint8_t)*text++);
    }
}

int board_uart_try_getc(enum board_uart_id id, uint8_t *byte)
{
    struct board_uart_regs *regs = board_uart_regs_of(id);
    if ((regs->state & BOARD_UART_STATE_RXFULL) == 0u) {
        return 0;
    }
    *byte = (uint8_t)regs->data;
    return 1;
}

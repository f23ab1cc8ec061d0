/* Fault handlers: reset SP and MSPLIM, print PC/LR and fault status, exit QEMU with code 3. */
#include "board.h"

#define BOARD_SCB_SHCSR (*(volatile uint32_t *)0xE000ED24u)
#define BOARD_SCB_CFSR (*(volatile uint32_t *)0xE000ED28u)
#define BOARD_SCB_HFSR (*(volatile uint32_t *)0xE000ED2Cu)
#define BOARD_SCB_MMFAR (*(volatile uint32_t *)0xE000ED34u)
#define BOARD_SCB_BFAR (*(volatile uint32_t *)0xE000ED38u)
#define BOARD_SCB_SFSR (*(volatile uint32_t *)0xE000EDE4u)
#define BOARD_SCB_CCR (*(volatile uint32_t *)0xE000ED14u)

#define BOARD_SHCSR_ENABLES ((1u << 16) | (1u << 17) | (1u << 18) | (1u << 19))
#define BOARD_CFSR_STKOF (1u << 20)
#define BOARD_CCR_DIV0_TRP (1u << 4)

#define BOARD_FAULT_STACK_WORDS 256u

void board_fault_entry(void);
void board_fault_report(const uint32_t *frame, uint32_t exc_return, uint32_t ipsr);
void board_hardfault_handler(void);
void board_memmanage_handler(void);
void board_busfault_handler(void);
void board_usagefault_handler(void);
void board_securefault_handler(void);

uint32_t board_fault_stack[BOARD_FAULT_STACK_WORDS] __attribute__((aligned(8)));

void board_fault_init(void)
{
    BOARD_SCB_SHCSR |= BOARD_SHCSR_ENABLES;
    BOARD_SCB_CCR |= BOARD_CCR_DIV0_TRP;
}

/* Pick the frame (MSP or PSP per EXC_RETURN), drop MSPLIM, move to a private stack, report. */
__attribute__((naked)) void board_fault_entry(void)
{
    __asm__ volatile(
        "tst lr, #4\n"
        "ite eq\n"
        "mrseq r0, msp\n"
        "mrsne r0, psp\n"
        "mov r1, lr\n"
        "mrs r2, ipsr\n"
        "movs r3, #0\n"
        "msr msplim, r3\n"
        "ldr r3, =board_fault_stack + 1024\n"
        "mov sp, r3\n"
        "b board_fault_report\n");
}

__attribute__((naked)) void board_hardfault_handler(void) { __asm__ volatile("b board_fault_entry"); }
__attribute__((naked)) void board_memmanage_handler(void) { __asm__ volatile("b board_fault_entry"); }
__attribute__((naked)) void board_busfault_handler(void) { __asm__ volatile("b board_fault_entry"); }
__attribute__((naked)) void board_usagefault_handler(void) { __asm__ volatile("b board_fault_entry"); }
__attribute__((naked)) void board_securefault_handler(void) { __asm__ volatile("b board_fault_entry"); }

static void board_fault_put_hex(const char *key, uint32_t value)
{
    static const char digits[] = "0123456789abcdef";
    char text[11];
    text[0] = '0';
    text[1] = 'x';
    for (int i = 0; i < 8; i++) {
        text[2 + i] = digits[(value >> (28 - 4 * i)) & 0xFu];
    }
    text[10] = '\0';
    board_uart_puts(BOARD_UART_LOG, ",\"");
    board_uart_puts(BOARD_UART_LOG, key);
    board_uart_puts(BOARD_UART_LOG, "\":\"");
    board_uart_puts(BOARD_UART_LOG, text);
    board_uart_puts(BOARD_UART_LOG, "\"");
}

static const char *board_fault_name(uint32_t exception)
{
    switch (exception) {
    case 2: return "NMI";
    case 3: return "HardFault";
    case 4: return "MemManage";
    case 5: return "BusFault";
    case 6: return "UsageFault";
    case 7: return "SecureFault";
    default: return "UnexpectedException";
    }
}

__attribute__((noreturn, used)) void board_fault_report(const uint32_t *frame, uint32_t exc_return, uint32_t ipsr)
{
    uint32_t exception = ipsr & 0x1FFu;
    uint32_t cfsr = BOARD_SCB_CFSR;
    int overflow = (cfsr & BOARD_CFSR_STKOF) != 0u;
    uint32_t pc = 0u;
    uint32_t lr = 0u;
    /* A frame below the stack limit was never written (stacking stops at MSPLIM). */
    if (!overflow && (const uint32_t *)frame >= board_stack_limit && (const uint32_t *)frame < board_stack_top) {
        lr = frame[5];
        pc = frame[6];
    }
    board_uart_puts(BOARD_UART_LOG, "\r\n" TLSFIT_FAULT_TAG " {\"exception\":\"");
    board_uart_puts(BOARD_UART_LOG, board_fault_name(exception));
    board_uart_puts(BOARD_UART_LOG, "\"");
    board_fault_put_hex("ipsr", exception);
    board_fault_put_hex("pc", pc);
    board_fault_put_hex("lr", lr);
    board_fault_put_hex("exc_return", exc_return);
    board_fault_put_hex("sp", (uint32_t)(uintptr_t)frame);
    board_fault_put_hex("cfsr", cfsr);
    board_fault_put_hex("hfsr", BOARD_SCB_HFSR);
    board_fault_put_hex("mmfar", BOARD_SCB_MMFAR);
    board_fault_put_hex("bfar", BOARD_SCB_BFAR);
    board_fault_put_hex("sfsr", BOARD_SCB_SFSR);
    board_uart_puts(BOARD_UART_LOG, overflow ? ",\"stack_overflow\":true}\r\n" : ",\"stack_overflow\":false}\r\n");
    board_semihost_exit(BOARD_EXIT_FAULT);
}

/* ARM semihosting calls (BKPT 0xAB in Thumb state). */
#include "board.h"

#define BOARD_SEMIHOST_SYS_GET_CMDLINE 0x15u
#define BOARD_SEMIHOST_SYS_TIME 0x11u
#define BOARD_SEMIHOST_SYS_EXIT_EXTENDED 0x20u
#define BOARD_SEMIHOST_APPLICATION_EXIT 0x20026u

static uintptr_t board_semihost_call(uint32_t op, uintptr_t arg)
{
    register uintptr_t r0 __asm__("r0") = op;
    register uintptr_t r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

void board_semihost_exit(int code)
{
    uintptr_t block[2] = { BOARD_SEMIHOST_APPLICATION_EXIT, (uintptr_t)(uint32_t)code };
    (void)board_semihost_call(BOARD_SEMIHOST_SYS_EXIT_EXTENDED, (uintptr_t)block);
    for (;;) {
        /* Not reached under QEMU; without semihosting the BKPT already locked the core. */
    }
}

int board_semihost_cmdline(char *buf, size_t size)
{
    uintptr_t block[2] = { (uintptr_t)buf, size };
    if (size == 0u) {
        return -1;
    }
    buf[0] = '\0';
    if (board_semihost_call(BOARD_SEMIHOST_SYS_GET_CMDLINE, (uintptr_t)block) != 0u) {
        return -1;
    }
    if (block[1] >= size) {
        block[1] = size - 1u;
    }
    buf[block[1]] = '\0';
    return (int)block[1];
}

long board_semihost_time(void)
{
    return (long)board_semihost_call(BOARD_SEMIHOST_SYS_TIME, 0u);
}

/* 64-bit SysTick time base. Under -icount shift=0 it counts guest instructions (see inst.h). */
#include "board.h"
#include "inst.h"

#define INST_SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define INST_SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define INST_SYST_CVR (*(volatile uint32_t *)0xE000E018u)
#define INST_SYST_ENABLE (1u << 0)
#define INST_SYST_TICKINT (1u << 1)
#define INST_SYST_CLKSOURCE (1u << 2)
#define INST_SYST_RELOAD 0x00FFFFFFu

static volatile uint32_t inst_icount_wraps;

void board_systick_handler(void)
{
    inst_icount_wraps++;
}

void inst_icount_start(void)
{
    INST_SYST_CSR = 0u;
    INST_SYST_RVR = INST_SYST_RELOAD;
    INST_SYST_CVR = 0u;
    INST_SYST_CSR = INST_SYST_ENABLE | INST_SYST_TICKINT | INST_SYST_CLKSOURCE;
}

uint64_t inst_icount_ticks(void)
{
    uint32_t wraps;
    uint32_t value;
    do {
        wraps = inst_icount_wraps;
        value = INST_SYST_CVR;
        /* A wrap between the two reads shows as a changed counter: read again. */
    } while (wraps != inst_icount_wraps);
    return (uint64_t)wraps * ((uint64_t)INST_SYST_RELOAD + 1u) + (uint64_t)(INST_SYST_RELOAD - value);
}

uint64_t inst_icount_ms_to_ticks(uint32_t ms)
{
    return (uint64_t)ms * (INST_ICOUNT_CLOCK_HZ / 1000u);
}

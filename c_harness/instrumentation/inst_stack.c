/* Stack painting: fill the unused main stack with a pattern, later find the deepest overwrite. */
#include "board.h"
#include "inst.h"

#define INST_STACK_PAINT 0xC0DEFACEu
#define INST_STACK_MARGIN_WORDS 16u

void inst_stack_paint(void)
{
    uint32_t *sp;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    for (uint32_t *word = board_stack_limit; word < sp - INST_STACK_MARGIN_WORDS; word++) {
        *word = INST_STACK_PAINT;
    }
}

size_t inst_stack_peak(void)
{
    const uint32_t *word = board_stack_limit;
    while (word < board_stack_top && *word == INST_STACK_PAINT) {
        word++;
    }
    return (size_t)((const uint8_t *)board_stack_top - (const uint8_t *)word);
}

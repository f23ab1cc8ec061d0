/* Counting allocator wrapped around newlib's calloc/free. Counts what callers request. */
#include <stdlib.h>
#include <string.h>

#include "inst.h"

void *__real_calloc(size_t count, size_t size);
void __real_free(void *ptr);
void *__wrap_calloc(size_t count, size_t size);
void __wrap_free(void *ptr);

#define INST_HEAP_MAGIC 0x7F15A11Cu

/* 8 bytes keep the caller's block 8-aligned. */
struct inst_heap_header {
    uint32_t size;
    uint32_t magic;
};

static struct inst_heap_stats inst_heap_state;

void inst_heap_set_limit(size_t limit)
{
    inst_heap_state.limit = limit;
}

void inst_heap_reset_peak(void)
{
    inst_heap_state.peak = inst_heap_state.in_use;
}

struct inst_heap_stats inst_heap_get_stats(void)
{
    return inst_heap_state;
}

void *__wrap_calloc(size_t count, size_t size)
{
    if (count != 0u && size > (SIZE_MAX - sizeof(struct inst_heap_header)) / count) {
        inst_heap_state.refusals++;
        return NULL;
    }
    size_t bytes = count * size;
    if (inst_heap_state.limit != 0u && bytes > inst_heap_state.limit - inst_heap_state.in_use) {
        inst_heap_state.refusals++;
        return NULL;
    }
    struct inst_heap_header *header = __real_calloc(1u, sizeof(*header) + bytes);
    if (header == NULL) {
        inst_heap_state.refusals++;
        return NULL;
    }
    header->size = (uint32_t)bytes;
    header->magic = INST_HEAP_MAGIC;
    inst_heap_state.in_use += bytes;
    inst_heap_state.allocations++;
    if (inst_heap_state.in_use > inst_heap_state.peak) {
        inst_heap_state.peak = inst_heap_state.in_use;
    }
    return header + 1;
}

void __wrap_free(void *ptr)
{
    if (ptr == NULL) {
        return;
    }
    struct inst_heap_header *header = (struct inst_heap_header *)ptr - 1;
    if (header->magic != INST_HEAP_MAGIC) {
        /* Not ours (or corrupted): a fault is the clearest report. */
        __asm__ volatile("udf #1");
    }
    header->magic = 0u;
    inst_heap_state.in_use -= header->size;
    __real_free(header);
}

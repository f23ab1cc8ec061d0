/* Instrumentation: heap counting, stack painting, guest-instruction counting, result report. */
#ifndef TLSFIT_INST_H
#define TLSFIT_INST_H

#include <stddef.h>
#include <stdint.h>

/* ---- heap (Mbed TLS calls calloc/free; the link wraps them: -Wl,--wrap=calloc,--wrap=free) ---- */
struct inst_heap_stats {
    size_t in_use;        /* bytes requested and not yet freed */
    size_t peak;          /* highest in_use seen */
    uint32_t allocations; /* successful calloc calls */
    uint32_t refusals;    /* calls refused by the limit or by newlib */
    size_t limit;         /* 0 = none */
};
void inst_heap_set_limit(size_t limit);
void inst_heap_reset_peak(void);
struct inst_heap_stats inst_heap_get_stats(void);

/* ---- stack ---- */
void inst_stack_paint(void);
size_t inst_stack_peak(void);

/* ---- guest instructions via SysTick ----
 * SysTick runs from the 20 MHz system clock of QEMU's AN505; under -icount shift=0 every guest
 * instruction advances virtual time by 1 ns, so one SysTick tick = 50 guest instructions.
 * (Checked by mode=calibrate, which runs a loop of known instruction count.) */
#define INST_ICOUNT_CLOCK_HZ 20000000u
#define INST_ICOUNT_INSTR_PER_TICK 50u
void inst_icount_start(void);
uint64_t inst_icount_ticks(void);
uint64_t inst_icount_ms_to_ticks(uint32_t ms);

/* ---- report: one JSON object built in a fixed buffer ---- */
struct inst_report {
    char text[1536];
    size_t len;
    int first;
    int overflow;
};
void inst_report_begin(struct inst_report *report);
void inst_report_str(struct inst_report *report, const char *key, const char *value);
void inst_report_int(struct inst_report *report, const char *key, long long value);
void inst_report_uint(struct inst_report *report, const char *key, unsigned long long value);
void inst_report_bool(struct inst_report *report, const char *key, int value);
void inst_report_null(struct inst_report *report, const char *key);
/* "-0x2700" style, as Mbed TLS documents its error codes. */
void inst_report_errhex(struct inst_report *report, const char *key, int value);
void inst_report_hex(struct inst_report *report, const char *key, uint32_t value);
/* Writes "TLSFIT-RESULT {...}\r\n" to UART0. */
void inst_report_emit(struct inst_report *report);

#endif

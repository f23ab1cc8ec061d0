/* Minimal JSON writer for the single TLSFIT-RESULT line (no printf: keeps libc out of the figures). */
#include <string.h>

#include "board.h"
#include "inst.h"

static void inst_report_raw(struct inst_report *report, const char *text)
{
    while (*text != '\0') {
        if (report->len + 1u >= sizeof(report->text)) {
            report->overflow = 1;
            return;
        }
        report->text[report->len++] = *text++;
    }
    report->text[report->len] = '\0';
}

static void inst_report_key(struct inst_report *report, const char *key)
{
    inst_report_raw(report, report->first ? "\"" : ",\"");
    report->first = 0;
    inst_report_raw(report, key);
    inst_report_raw(report, "\":");
}

static void inst_report_udec(struct inst_report *report, unsigned long long value)
{
    char digits[24];
    size_t pos = sizeof(digits) - 1u;
    digits[pos] = '\0';
    do {
        digits[--pos] = (char)('0' + (value % 10u));
        value /= 10u;
    } while (value != 0u);
    inst_report_raw(report, &digits[pos]);
}

static void inst_report_uhex(struct inst_report *report, uint32_t value)
{
    static const char hex[] = "0123456789abcdef";
    char digits[12];
    size_t pos = sizeof(digits) - 1u;
    digits[pos] = '\0';
    do {
        digits[--pos] = hex[value & 0xFu];
        value >>= 4;
    } while (value != 0u);
    inst_report_raw(report, "0x");
    inst_report_raw(report, &digits[pos]);
}

void inst_report_begin(struct inst_report *report)
{
    report->len = 0u;
    report->first = 1;
    report->overflow = 0;
    report->text[0] = '\0';
    inst_report_raw(report, "{");
}

void inst_report_str(struct inst_report *report, const char *key, const char *value)
{
    inst_report_key(report, key);
    inst_report_raw(report, "\"");
    for (; *value != '\0'; value++) {
        char one[2] = { *value, '\0' };
        if (*value == '"' || *value == '\\') {
            inst_report_raw(report, "\\");
        } else if ((unsigned char)*value < 0x20u) {
            one[0] = '?';
        }
        inst_report_raw(report, one);
    }
    inst_report_raw(report, "\"");
}

void inst_report_int(struct inst_report *report, const char *key, long long value)
{
    inst_report_key(report, key);
    if (value < 0) {
        inst_report_raw(report, "-");
        inst_report_udec(report, 0ull - (unsigned long long)value);
    } else {
        inst_report_udec(report, (unsigned long long)value);
    }
}

void inst_report_uint(struct inst_report *report, const char *key, unsigned long long value)
{
    inst_report_key(report, key);
    inst_report_udec(report, value);
}

void inst_report_bool(struct inst_report *report, const char *key, int value)
{
    inst_report_key(report, key);
    inst_report_raw(report, value ? "true" : "false");
}

void inst_report_null(struct inst_report *report, const char *key)
{
    inst_report_key(report, key);
    inst_report_raw(report, "null");
}

void inst_report_errhex(struct inst_report *report, const char *key, int value)
{
    inst_report_key(report, key);
    inst_report_raw(report, value < 0 ? "\"-" : "\"");
    inst_report_uhex(report, value < 0 ? 0u - (uint32_t)value : (uint32_t)value);
    inst_report_raw(report, "\"");
}

void inst_report_hex(struct inst_report *report, const char *key, uint32_t value)
{
    inst_report_key(report, key);
    inst_report_raw(report, "\"");
    inst_report_uhex(report, value);
    inst_report_raw(report, "\"");
}

void inst_report_emit(struct inst_report *report)
{
    inst_report_raw(report, "}");
    board_uart_puts(BOARD_UART_LOG, "\r\n" TLSFIT_RESULT_TAG " ");
    if (report->overflow) {
        board_uart_puts(BOARD_UART_LOG, "{\"ok\":false,\"stage\":\"report\",\"error\":\"report overflow\"}\r\n");
        return;
    }
    board_uart_write(BOARD_UART_LOG, report->text, report->len);
    board_uart_puts(BOARD_UART_LOG, "\r\n");
}

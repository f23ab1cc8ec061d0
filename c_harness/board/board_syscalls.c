/* newlib hooks. Their names are fixed by newlib (hence the leading underscores). */
#include <errno.h>
#include <sys/time.h>

#include "board.h"

void *_sbrk(ptrdiff_t increment);
int _gettimeofday(struct timeval *tv, void *tz);
void _exit(int code);

static uint8_t *board_heap_top;

/* Heap between .bss and the end of RAM; refuses to grow past it. */
void *_sbrk(ptrdiff_t increment)
{
    if (board_heap_top == NULL) {
        board_heap_top = board_heap_start;
    }
    uint8_t *previous = board_heap_top;
    if (increment > board_heap_end - board_heap_top || increment < board_heap_start - board_heap_top) {
        errno = ENOMEM;
        return (void *)-1;
    }
    board_heap_top += increment;
    return previous;
}

#if defined(TLSFIT_VERIFY_MODE)
static int board_clock_unset;

void board_clock_set_unset(int unset)
{
    board_clock_unset = unset;
}
#else
enum { board_clock_unset = 0 };
#endif

/* Wall-clock time from the host (semihosting SYS_TIME), for MBEDTLS_HAVE_TIME(_DATE);
 * 0 (1970) when the run asks for a device whose clock was never set. */
int _gettimeofday(struct timeval *tv, void *tz)
{
    (void)tz;
    if (tv != NULL) {
        tv->tv_sec = board_clock_unset ? (time_t)0 : (time_t)board_semihost_time();
        tv->tv_usec = 0;
    }
    return 0;
}

void _exit(int code)
{
    board_semihost_exit(code);
}
